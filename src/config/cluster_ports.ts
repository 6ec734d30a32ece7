/**
 * The first port of each kind in a `kv-sim cluster-config` plan. Nodes that share a host count up
 * from it, so each kind takes a block as wide as the most nodes on one host. A port the user gives
 * is kept as given (a clash between two given ports is refused when the plan is checked); a port
 * left out starts at its default and moves up past the blocks already taken, so that
 * `--redis-port 7001` alone gives a cluster that starts rather than peer ports on the same 7001.
 */
import { DEFAULT_HTTP_PORT, DEFAULT_REDIS_PORT } from './node_settings.js';

export type PortFlag = 'redis-port' | 'peer-port' | 'http-port' | 'control-port';

/** Also the order in which ports left out are placed. */
export const PORT_DEFAULTS: Readonly<Record<PortFlag, number>> = {
  'redis-port': DEFAULT_REDIS_PORT,
  'peer-port': 7001,
  'http-port': DEFAULT_HTTP_PORT,
  'control-port': 9001,
};

const PORT_MAX = 65_535;

export interface PortRequest {
  nodes: number;
  /** One address per node, or one for all. */
  hostIps: string[];
  /** The ports the user gave; control-port 0 means no control plane. */
  given: Partial<Record<PortFlag, number>>;
}

/** A port left out that could not keep its default, and the given port's block it made way for. */
export interface MovedDefault {
  flag: PortFlag;
  from: number;
  to: number;
  takenBy: PortFlag;
}

export interface PortChoice {
  first: Record<PortFlag, number>;
  moved: MovedDefault[];
}

interface Block {
  flag: PortFlag;
  start: number;
  end: number;
}

export function choosePorts(request: PortRequest): PortChoice {
  const width = nodesPerHostMax(request);
  const flags = Object.keys(PORT_DEFAULTS) as PortFlag[];
  const taken: Block[] = [];
  const first = { ...PORT_DEFAULTS };
  for (const flag of flags) {
    const port = request.given[flag];
    if (port === undefined) continue;
    first[flag] = port;
    if (port !== 0) taken.push({ flag, start: port, end: port + width - 1 });
  }
  const moved: MovedDefault[] = [];
  for (const flag of flags.filter((name) => request.given[name] === undefined)) {
    let start = PORT_DEFAULTS[flag];
    let takenBy: PortFlag | null = null;
    for (let clash = overlapping(taken, start, width); clash !== undefined; clash = overlapping(taken, start, width)) {
      takenBy ??= clash.flag;
      start = clash.end + 1;
    }
    if (start + width - 1 > PORT_MAX) throw new Error(`--${flag} left out: no ${width} free ports from its default ${PORT_DEFAULTS[flag]} up to ${PORT_MAX}; give --${flag}`);
    if (takenBy !== null) moved.push({ flag, from: PORT_DEFAULTS[flag], to: start, takenBy });
    first[flag] = start;
    taken.push({ flag, start, end: start + width - 1 });
  }
  return { first, moved };
}

function overlapping(taken: Block[], start: number, width: number): Block | undefined {
  return taken.find((block) => block.start <= start + width - 1 && start <= block.end);
}

export function nodesPerHostMax(request: Pick<PortRequest, 'nodes' | 'hostIps'>): number {
  if (request.hostIps.length <= 1) return request.nodes;
  const counts = new Map<string, number>();
  for (const host of request.hostIps) counts.set(host, (counts.get(host) ?? 0) + 1);
  return Math.max(...counts.values());
}

/** One line for the walk-through: which ports moved, and why. */
export function describeMoved(move: MovedDefault): string {
  return `--${move.flag} left out: its default ${move.from} is taken by --${move.takenBy}, so it starts at ${move.to}.`;
}
