/** What the bench ran on: cores, CPU model, memory, the disk under the temp dir, load. */
import { readFileSync, realpathSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import type { Machine } from './report.js';

export function describeMachine(): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    disk: describeDisk(tmpdir()),
    node: process.version,
    loadAverage: loadavg(),
  };
}

/** The mount holding `path`: device, file system, and SSD/rotational where Linux says. */
function describeDisk(path: string): string {
  try {
    const real = realpathSync(path);
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' '));
    let best: string[] | null = null;
    for (const m of mounts) {
      const point = m[1] ?? '';
      if ((real === point || real.startsWith(point.endsWith('/') ? point : `${point}/`)) && point.length > (best?.[1]?.length ?? -1)) best = m;
    }
    if (best === null) return 'unknown';
    const device = best[0] ?? '?';
    const kind = rotational(device);
    return `${device} (${best[2] ?? '?'}${kind === null ? '' : `, ${kind}`})`;
  } catch {
    return 'unknown (no /proc/mounts)';
  }
}

function rotational(device: string): string | null {
  const name = device.replace(/^\/dev\//, '').replace(/p?\d+$/, '');
  try {
    return readFileSync(`/sys/block/${name}/queue/rotational`, 'utf8').trim() === '1' ? 'rotational' : 'non-rotational';
  } catch {
    return null;
  }
}
