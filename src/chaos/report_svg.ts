/**
 * The SVG pictures of the chaos report, as strings: the run's timeline (a leader strip, the faults
 * as bands, one row per key with a lane per client) and, per failure, a close-up of the failing
 * window with every operation labelled. The overview merges operations per pixel column, so a
 * run of 100k operations stays a few thousand shapes.
 */
import { describeOperation, type Operation } from '../check/history.js';
import type { FaultRecord } from './cluster_nemesis.js';
import type { LeaderSample } from './leader_monitor.js';

export const PLOT_WIDTH_PX = 1100;
const LEFT_PX = 80;
const LANE_PX = 4;
const ROW_GAP_PX = 8;
const STRIP_PX = 14;
const AXIS_PX = 22;

const OUTCOME_COLOURS = { ok: '#3a9d5d', fail: '#9aa0a6', unknown: '#f29d38' } as const;
const NODE_COLOURS = ['#4e79a7', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface TimelineInput {
  history: readonly Operation[];
  faults: readonly FaultRecord[];
  leaderSamples: readonly LeaderSample[];
  /** One lane per client, readers included. */
  lanes: number;
  endMs: number;
  /** Operation ids to mark as failing (red). */
  failing: ReadonlySet<number>;
}

/** Client lane of an operation: the worker that ran it (ids grow by `lanes` after an unknown outcome). */
export function laneOf(op: Operation, lanes: number): number {
  return (op.clientId - 1) % lanes;
}

/** When an operation stops being drawn: its return, or for unknown outcomes the lane's next invocation. */
function drawEnds(history: readonly Operation[], lanes: number, endMs: number): Map<number, number> {
  const ends = new Map<number, number>();
  const byWorker = new Map<number, number[]>();
  for (const op of history) {
    const worker = laneOf(op, lanes);
    let times = byWorker.get(worker);
    if (times === undefined) byWorker.set(worker, (times = []));
    times.push(op.invokeTime);
  }
  for (const times of byWorker.values()) times.sort((a, b) => a - b);
  for (const op of history) {
    if (op.outcome !== 'unknown') ends.set(op.id, op.returnTime);
    else {
      const times = byWorker.get(laneOf(op, lanes)) ?? [];
      const next = times.find((t) => t > op.invokeTime);
      ends.set(op.id, next ?? endMs);
    }
  }
  return ends;
}

export function renderTimeline(input: TimelineInput): string {
  const { history, lanes, failing } = input;
  const endMs = Math.max(input.endMs, 1);
  const x = (t: number): number => LEFT_PX + (Math.min(Math.max(t, 0), endMs) / endMs) * PLOT_WIDTH_PX;
  const keys = [...new Set(history.map((op) => op.key))].sort(compareKeys);
  const rowPx = lanes * LANE_PX + ROW_GAP_PX;
  const top = AXIS_PX + STRIP_PX + 6;
  const heightPx = top + keys.length * rowPx + 10;
  const parts: string[] = [];
  parts.push(axis(endMs, x, heightPx));
  parts.push(leaderStrip(input.leaderSamples, endMs, x));
  const ends = drawEnds(history, lanes, endMs);
  const markers: string[] = [];
  keys.forEach((key, row) => {
    const y0 = top + row * rowPx;
    const ops = history.filter((op) => op.key === key);
    const hasFailure = ops.some((op) => failing.has(op.id));
    parts.push(`<g class="key-row${hasFailure ? ' failing' : ''}" data-key="${escapeXml(key)}">`);
    parts.push(`<text x="${LEFT_PX - 6}" y="${y0 + (lanes * LANE_PX) / 2 + 4}" text-anchor="end" class="key-label">${escapeXml(key)}</text>`);
    parts.push(`<rect x="${LEFT_PX}" y="${y0 - 1}" width="${PLOT_WIDTH_PX}" height="${lanes * LANE_PX + 2}" class="row-bg"/>`);
    parts.push(...laneRuns(ops, lanes, ends, x, y0));
    parts.push('</g>');
    for (const op of ops.filter((o) => failing.has(o.id))) {
      const x0 = x(op.invokeTime);
      const x1 = Math.max(x0 + 3, x(ends.get(op.id) ?? op.invokeTime));
      markers.push(`<rect x="${x0 - 2}" y="${y0 - 3}" width="${x1 - x0 + 4}" height="${lanes * LANE_PX + 6}" class="failing-op"><title>${escapeXml(describeOperation(op))}</title></rect>`);
    }
  });
  // Faults are translucent bands over the rows; failing operations are drawn last, on top.
  for (const fault of input.faults) parts.push(faultBand(fault, endMs, x, top, heightPx));
  parts.push(...markers);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT_PX + PLOT_WIDTH_PX + 20}" height="${heightPx}" class="timeline">${parts.join('')}</svg>`;
}

/** Operations bucketed per pixel column and lane; a column shows its worst outcome; equal neighbours merge. */
function laneRuns(ops: readonly Operation[], lanes: number, ends: Map<number, number>, x: (t: number) => number, y0: number): string[] {
  const rank = { ok: 1, fail: 2, unknown: 3 } as const;
  const columns: Array<Map<number, number>> = Array.from({ length: lanes }, () => new Map());
  for (const op of ops) {
    const lane = columns[laneOf(op, lanes)] as Map<number, number>;
    const from = Math.floor(x(op.invokeTime));
    const to = Math.max(from, Math.floor(x(ends.get(op.id) ?? op.invokeTime)));
    for (let px = from; px <= to; px++) lane.set(px, Math.max(lane.get(px) ?? 0, rank[op.outcome]));
  }
  const colours = ['', OUTCOME_COLOURS.ok, OUTCOME_COLOURS.fail, OUTCOME_COLOURS.unknown];
  const out: string[] = [];
  columns.forEach((lane, index) => {
    const pxs = [...lane.keys()].sort((a, b) => a - b);
    let start = -1;
    let last = -1;
    let value = 0;
    const flush = (): void => {
      if (start >= 0) out.push(`<rect x="${start}" y="${y0 + index * LANE_PX}" width="${last - start + 1}" height="${LANE_PX - 1}" fill="${colours[value]}"/>`);
    };
    for (const px of pxs) {
      const v = lane.get(px) as number;
      if (px === last + 1 && v === value) {
        last = px;
        continue;
      }
      flush();
      start = px;
      last = px;
      value = v;
    }
    flush();
  });
  return out;
}

function axis(endMs: number, x: (t: number) => number, heightPx: number): string {
  const stepMs = niceStep(endMs / 10);
  const ticks: string[] = [];
  for (let t = 0; t <= endMs; t += stepMs) {
    ticks.push(`<line x1="${x(t)}" y1="${AXIS_PX - 4}" x2="${x(t)}" y2="${heightPx}" class="grid"/><text x="${x(t)}" y="${AXIS_PX - 8}" text-anchor="middle" class="tick">${formatSeconds(t)}</text>`);
  }
  return ticks.join('');
}

function leaderStrip(samples: readonly LeaderSample[], endMs: number, x: (t: number) => number): string {
  const parts = [`<text x="${LEFT_PX - 6}" y="${AXIS_PX + STRIP_PX - 3}" text-anchor="end" class="key-label">leader</text>`];
  samples.forEach((sample, i) => {
    const nextMs = samples[i + 1]?.timeMs ?? endMs;
    const fill = sample.leader === null ? '#d62728' : (NODE_COLOURS[(sample.leader - 1) % NODE_COLOURS.length] as string);
    const label = sample.leader === null ? 'no leader' : `leader ${sample.leader}`;
    parts.push(`<rect x="${x(sample.timeMs)}" y="${AXIS_PX}" width="${Math.max(0.5, x(nextMs) - x(sample.timeMs))}" height="${STRIP_PX - 2}" fill="${fill}" class="${sample.leader === null ? 'leaderless' : 'led'}"><title>${formatSeconds(sample.timeMs)}: ${label}</title></rect>`);
  });
  return parts.join('');
}

function faultBand(fault: FaultRecord, endMs: number, x: (t: number) => number, top: number, heightPx: number): string {
  const x0 = x(fault.startMs);
  const x1 = Math.max(x0 + 2, x(fault.endMs ?? endMs));
  const title = `#${fault.id} ${fault.description} [${formatSeconds(fault.startMs)} – ${fault.endMs === null ? 'end' : formatSeconds(fault.endMs)}]`;
  return `<g class="fault fault-${fault.kind}"><rect x="${x0}" y="${top - 4}" width="${x1 - x0}" height="${heightPx - top}" class="fault-band"><title>${escapeXml(title)}</title></rect><text x="${x0 + 2}" y="${top + 6}" class="fault-label">${fault.id}</text></g>`;
}

/** The failing window of one key, every operation labelled; the failed one red, conflicting ones outlined. */
export function renderWindow(history: readonly Operation[], key: string, failedId: number, conflicting: ReadonlySet<number>, windowStart: number, windowEnd: number, laneCount: number): string {
  const end = Number.isFinite(windowEnd) ? windowEnd : windowStart + 1;
  const pad = Math.max(1, (end - windowStart) * 0.1);
  const from = windowStart - pad;
  const to = end + pad;
  const ops = history.filter((op) => op.key === key && op.invokeTime <= to && (op.returnTime >= from)).slice(0, 300);
  const laneHeight = 26;
  const lanes = [...new Set(ops.map((op) => laneOf(op, laneCount)))].sort((a, b) => a - b);
  const width = PLOT_WIDTH_PX;
  const x = (t: number): number => LEFT_PX + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * width;
  const heightPx = AXIS_PX + lanes.length * laneHeight + 10;
  const parts: string[] = [];
  const stepMs = niceStep((to - from) / 8);
  for (let t = Math.ceil(from / stepMs) * stepMs; t <= to; t += stepMs) {
    parts.push(`<line x1="${x(t)}" y1="${AXIS_PX - 4}" x2="${x(t)}" y2="${heightPx}" class="grid"/><text x="${x(t)}" y="${AXIS_PX - 8}" text-anchor="middle" class="tick">${(t / 1000).toFixed(3)} s</text>`);
  }
  lanes.forEach((lane, row) => {
    parts.push(`<text x="${LEFT_PX - 6}" y="${AXIS_PX + row * laneHeight + 16}" text-anchor="end" class="key-label">client ${lane + 1}</text>`);
  });
  for (const op of ops) {
    const row = lanes.indexOf(laneOf(op, laneCount));
    const y = AXIS_PX + row * laneHeight + 3;
    const x0 = x(op.invokeTime);
    const x1 = Math.max(x0 + 3, x(op.returnTime));
    const cls = op.id === failedId ? 'op failed' : conflicting.has(op.id) ? 'op conflicting' : 'op';
    const text = describeOperation(op);
    parts.push(`<g class="${cls}"><rect x="${x0}" y="${y}" width="${x1 - x0}" height="${laneHeight - 8}" fill="${OUTCOME_COLOURS[op.outcome]}"><title>${escapeXml(text)}</title></rect>`);
    parts.push(`<text x="${x0 + 2}" y="${y + 13}" class="op-label">${escapeXml(shortLabel(op))}</text></g>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT_PX + width + 20}" height="${heightPx}" class="window">${parts.join('')}</svg>`;
}

function shortLabel(op: Operation): string {
  const v = (value: string | null): string => (value === null ? 'nil' : value.length > 14 ? `…${value.slice(-13)}` : value);
  const result = op.outcome === 'unknown' ? ' ?' : op.outcome === 'fail' ? ' ✗' : '';
  switch (op.kind) {
    case 'read':
      return `#${op.id} r${op.outcome === 'ok' ? `=${v(op.output)}` : ''}${result}`;
    case 'write':
      return `#${op.id} w ${v(op.input)}${result}`;
    case 'append':
      return `#${op.id} app ${v(op.input)}${result}`;
    case 'delete':
      return `#${op.id} del${result}`;
    case 'cas':
      return `#${op.id} cas ${v(op.input.expected)}→${v(op.input.value)}${op.outcome === 'ok' ? `=${String(op.output)}` : ''}${result}`;
  }
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
}

function compareKeys(a: string, b: string): number {
  const na = Number(a.replace(/^\D+/, ''));
  const nb = Number(b.replace(/^\D+/, ''));
  return Number.isFinite(na) && Number.isFinite(nb) && na !== nb ? na - nb : a < b ? -1 : a > b ? 1 : 0;
}
