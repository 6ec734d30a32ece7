/** Reads a V8 .cpuprofile: self time by function and by layer (SQLite, RESP, core, transport...). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the monotonic clock (the one process.hrtime reads). */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Samples per node id, counting only those taken within [fromUs, toUs] (monotonic µs). */
function hitsWithin(profile: CpuProfile, fromUs: number, toUs: number): Map<number, number> {
  const hits = new Map<number, number>();
  let atUs = profile.startTime;
  const samples = profile.samples ?? [];
  for (let i = 0; i < samples.length; i++) {
    atUs += profile.timeDeltas?.[i] ?? 0;
    if (atUs < fromUs || atUs > toUs) continue;
    const id = samples[i] as number;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  return hits;
}

const LAYERS: Array<[string, RegExp]> = [
  ['SQLite (wasm + binding)', /node-sqlite3-wasm|wasm:\/\//],
  ['RESP server + codec', /src\/server\/resp|src\/lib\/resp/],
  ['forwarding', /src\/server\/forward/],
  ['HTTP server', /src\/server\/http/],
  ['Raft core', /src\/core\//],
  ['driver + runtime', /src\/node\/|src\/runtime\//],
  ['kv state machine', /src\/kv\//],
  ['storage (ours)', /src\/storage\//],
  ['transport', /src\/transport\//],
  ['logging', /pino|src\/logging/],
  ['node internals (net, streams, timers)', /^node:|^internal/],
];

function layerOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName === '' ? '(anonymous native)' : `(${functionName.replace(/[()]/g, '')})`;
  for (const [name, pattern] of LAYERS) if (pattern.test(url)) return name;
  return 'other JS';
}

/** window: only samples taken within it (monotonic µs), e.g. the load run without the worker's start-up. */
export function summarizeProfile(profile: CpuProfile, top = 12, window?: { fromUs: number; toUs: number }): string {
  const windowed = window === undefined ? null : hitsWithin(profile, window.fromUs, window.toUs);
  const hitsOf = (node: ProfileNode): number => (windowed === null ? (node.hitCount ?? 0) : (windowed.get(node.id) ?? 0));
  const byFunction = new Map<string, number>();
  const byLayer = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = hitsOf(node);
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const layer = layerOf(node);
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + hits);
  }
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').reduce((s, n) => s + hitsOf(n), 0);
  const pct = (n: number): string => `${((n * 100) / Math.max(1, total)).toFixed(1)}%`.padStart(6);
  const lines = [`busy samples ${total}, idle ${idle} (${((idle * 100) / Math.max(1, idle + total)).toFixed(0)}% idle)`, 'by layer:'];
  for (const [name, hits] of [...byLayer].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(hits)}  ${name}`);
  lines.push('top functions (self time):');
  for (const [name, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(hits)}  ${name}`);
  return lines.join('\n');
}
