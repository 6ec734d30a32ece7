/**
 * The chaos report directory: history.jsonl (the checker's documented format, so the run can be
 * re-checked or held against other tools), summary.json, and index.html, one self-contained page
 * (inline CSS, SVG and a few lines of JS; no external URLs) with the verdict, the timeline per key
 * with the faults drawn on it and, on a violation, each failing window close up.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '../lib/make_directory.js';
import { formatHistoryJsonLines } from '../check/history_jsonl.js';
import type { Operation } from '../check/history.js';
import type { FaultRecord } from './cluster_nemesis.js';
import type { LeaderSample } from './leader_monitor.js';
import { escapeXml, renderTimeline, renderWindow } from './report_svg.js';
import { type ChaosSummary, clientLanes, describeClients } from './summary.js';

export interface ReportInput {
  summary: ChaosSummary;
  history: readonly Operation[];
  faults: readonly FaultRecord[];
  leaderSamples: readonly LeaderSample[];
  /** Shown in the title and header, e.g. "kv-sim chaos" or "kv-sim chaos simulation". */
  title?: string;
}

export const REPORT_FILES = ['history.jsonl', 'summary.json', 'index.html'] as const;

export async function writeReport(dir: string, input: ReportInput): Promise<string[]> {
  makeDirectory(dir);
  const paths = REPORT_FILES.map((name) => join(dir, name));
  await writeFile(paths[0] as string, formatHistoryJsonLines(input.history));
  await writeFile(paths[1] as string, `${JSON.stringify({ ...input.summary, faultLog: input.faults }, null, 2)}\n`);
  await writeFile(paths[2] as string, renderReportHtml(input));
  return paths;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; margin: 0 0 8px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.verdict { display: inline-block; padding: 4px 10px; border-radius: 4px; color: #fff; font-weight: bold; }
.v-linearizable { background: #2e7d32; } .v-not-linearizable { background: #c62828; } .v-unknown, .v-error { background: #ef6c00; }
table.facts td { padding: 2px 12px 2px 0; vertical-align: top; } table.facts td:first-child { color: #666; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
.grid { stroke: #eee; } .tick { fill: #777; } .row-bg { fill: #fafafa; }
.fault-band { fill: #7e57c2; fill-opacity: 0.12; stroke: #7e57c2; stroke-opacity: 0.5; }
.fault-crash .fault-band, .fault-crash-leader .fault-band { fill: #c62828; stroke: #c62828; }
.fault-link-loss .fault-band, .fault-link-delay .fault-band, .fault-link-duplicate .fault-band { fill: #0277bd; stroke: #0277bd; }
.fault-heal-all .fault-band { fill: #2e7d32; stroke: #2e7d32; }
.fault-label { fill: #4527a0; font-size: 10px; }
.failing-op { fill: none; stroke: #d50000; stroke-width: 2; }
.op rect { stroke: #fff; } .op.failed rect { fill: #d50000; stroke: #000; stroke-width: 2; } .op.conflicting rect { stroke: #d50000; stroke-width: 2; }
.op-label { font-size: 10px; fill: #111; pointer-events: none; }
.legend span { display: inline-block; margin-right: 14px; } .sw { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: middle; }
table.faults { border-collapse: collapse; font-size: 12px; } table.faults td, table.faults th { border-bottom: 1px solid #eee; padding: 2px 8px; text-align: left; }
body.only-failing .key-row:not(.failing) { display: none; }
`;

const SCRIPT = `
document.getElementById('only-failing')?.addEventListener('change', function (e) {
  document.body.classList.toggle('only-failing', e.target.checked);
});
`;

export function renderReportHtml(input: ReportInput): string {
  const { summary, history, faults } = input;
  const title = input.title ?? 'kv-sim chaos';
  const failures = summary.check?.failures ?? [];
  const failing = new Set<number>(failures.flatMap((f) => [f.failedOperationId]));
  let endMs = 0;
  for (const op of history) endMs = Math.max(endMs, Number.isFinite(op.returnTime) ? op.returnTime : op.invokeTime);
  for (const fault of faults) endMs = Math.max(endMs, fault.endMs ?? fault.startMs);
  const timeline = renderTimeline({ history, faults, leaderSamples: input.leaderSamples, lanes: clientLanes(summary.settings), endMs, failing });
  const sections = [
    `<h1>${escapeXml(title)}: seed ${summary.seed} <span class="verdict v-${summary.verdict}">${escapeXml(summary.verdict.toUpperCase())}</span></h1>`,
    facts(summary),
    failures.length > 0 ? failureSections(input) : '',
    `<h2>Timeline</h2>`,
    `<p class="legend"><span><i class="sw" style="background:#3a9d5d"></i>ok</span><span><i class="sw" style="background:#9aa0a6"></i>failed</span><span><i class="sw" style="background:#f29d38"></i>unknown</span><span><i class="sw" style="background:#7e57c2;opacity:.4"></i>partition fault</span><span><i class="sw" style="background:#c62828;opacity:.4"></i>crash</span><span><i class="sw" style="background:#0277bd;opacity:.4"></i>link fault</span><span><i class="sw" style="background:#d62728"></i>no leader (top strip)</span>` +
      (failures.length > 0 ? `<label><input type="checkbox" id="only-failing"> only keys with failures</label>` : '') + `</p>`,
    `<p>One row per key, one lane per client; time in seconds since the cluster was up. Hover for details.</p>`,
    timeline,
    faultTable(faults),
  ];
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)} seed ${summary.seed}: ${escapeXml(summary.verdict)}</title><style>${STYLE}</style></head><body>\n${sections.join('\n')}\n<script>${SCRIPT}</script></body></html>\n`;
}

function facts(summary: ChaosSummary): string {
  const s = summary.settings;
  const o = summary.operations;
  const rows: Array<[string, string]> = [
    ['cluster', `${s.nodes} nodes over ${s.transport}; ${describeClients(s)} on ${s.keys} keys for ${(s.durationMs / 1000).toFixed(0)} s`],
    ['nemesis', s.nemesis.join(', ') || 'none'],
    ['operations', `${o.total}: ok ${o.ok}, failed ${o.fail}, unknown ${o.unknown}`],
    ['faults injected', `${summary.faults.total} (${Object.entries(summary.faults.byKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`],
    ['time without a leader', `${(summary.leaderlessMs / 1000).toFixed(2)} s`],
    ['settled after healing', !summary.settled ? 'no' : summary.settleMs === null ? 'not measured' : `yes, in ${summary.settleMs} ms`],
    ['checker', summary.check === null ? 'did not run' : `${summary.check.verdict}: ${summary.check.keys} keys, ${summary.check.statesExplored} states, ${summary.check.elapsedMs} ms`],
  ];
  if (summary.problem !== null) rows.push(['problem', summary.problem]);
  return `<table class="facts">${rows.map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${escapeXml(v)}</td></tr>`).join('')}</table>`;
}

function failureSections(input: ReportInput): string {
  const failures = input.summary.check?.failures ?? [];
  const parts = [`<h2>Violations (${failures.length} key${failures.length === 1 ? '' : 's'})</h2>`];
  for (const failure of failures.slice(0, 10)) {
    parts.push(`<h3>key ${escapeXml(failure.key)}: operation #${failure.failedOperationId}</h3>`);
    parts.push(`<pre>${escapeXml(failure.text)}</pre>`);
    parts.push(renderWindow(input.history, failure.key, failure.failedOperationId, new Set(failure.conflictingOperationIds), failure.windowStartTime, failure.windowEndTime, clientLanes(input.summary.settings)));
  }
  return parts.join('\n');
}

function faultTable(faults: readonly FaultRecord[]): string {
  if (faults.length === 0) return '<p>No faults were injected.</p>';
  const rows = faults.map((f) => {
    const end = f.endMs === null ? '—' : (f.endMs / 1000).toFixed(2);
    const errors = f.errors.length > 0 ? ` (refused: ${f.errors.join('; ')})` : '';
    return `<tr><td>${f.id}</td><td>${(f.startMs / 1000).toFixed(2)}</td><td>${end}</td><td>${escapeXml(f.kind)}</td><td>${escapeXml(f.description + errors)}</td></tr>`;
  });
  return `<h2>Faults</h2><table class="faults"><tr><th>#</th><th>start s</th><th>end s</th><th>kind</th><th>what</th></tr>${rows.join('')}</table>`;
}
