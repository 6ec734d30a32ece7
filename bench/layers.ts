/** The layer rows: core alone, storage appends, transport message rate (and snapshots when present). */
import { benchCore } from './core_bench.js';
import type { BenchRow } from './report.js';
import { median } from './stats.js';
import { runStorageBench } from './storage_bench.js';
import { runTransportBench } from './transport_bench.js';

export async function benchLayers(full: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const repeats = full ? 5 : 3;
  const durationMs = full ? 2000 : 500;
  log('layers: core');
  for (const batchSize of [1, 16, 256]) {
    const value = median(Array.from({ length: repeats }, () => benchCore(batchSize, durationMs).entriesPerSecond));
    rows.push({ section: 'layers', setup: 'core, 3 nodes in memory', case: `${batchSize} entries per proposal`, value, unit: 'entries/s', note: `median of ${repeats}` });
  }
  log('layers: storage');
  for (const r of await runStorageBench({ durationMs: full ? 1500 : 600 })) {
    rows.push({
      section: 'layers', setup: r.storage === 'sqlite' ? `storage, SQLite, fsync ${r.fsync}` : 'storage, memory',
      case: `appends of ${r.batchSize} entries (128 B)`, value: r.entriesPerSecond, unit: 'entries/s', note: `${r.saveLatencyUs} µs per save`,
    });
  }
  log('layers: transport');
  for (const r of await runTransportBench()) {
    rows.push({ section: 'layers', setup: 'transport', case: r.name, value: r.messagesPerSecond, unit: 'msg/s', note: `${Math.round(r.messagesPerCpuSecond / 1000)}k msg per CPU-s` });
  }
  return rows;
}
