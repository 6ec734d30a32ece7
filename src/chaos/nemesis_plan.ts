/**
 * The chaos nemesis as pure data: which faults exist, how `--nemesis partition,crash,loss` names
 * them, and a seeded planner that turns "inject a fault of kind K now" into the fault verbs to run
 * at its start and at its end. Both runners use it: the emulator's (async, real time, src/chaos)
 * and the deterministic simulator's (virtual time, src/sim/chaos_simulation.ts), so one schedule
 * vocabulary and one random draw order serve both. No clock, no I/O: only a Prng.
 */
import type { Prng } from '../lib/prng.js';

export type NodeId = number;

export const FAULT_KINDS = [
  'partition-halves',
  'isolate-leader',
  'partition-bridge',
  'partition-ring',
  'one-way',
  'crash',
  'crash-leader',
  'link-loss',
  'link-delay',
  'link-duplicate',
  'pause',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Short names for the command line; a single fault kind is accepted by its own name too. */
export const NEMESIS_GROUPS: Readonly<Record<string, readonly FaultKind[]>> = {
  partition: ['partition-halves', 'isolate-leader', 'partition-bridge', 'partition-ring', 'one-way'],
  crash: ['crash', 'crash-leader'],
  loss: ['link-loss', 'link-delay', 'link-duplicate'],
  pause: ['pause'],
  all: FAULT_KINDS,
};

/** The link settings a fault may change (the fault vocabulary's `link(a, b).set(...)`). */
export interface LinkChange {
  delayMs?: number;
  jitterMs?: number;
  lossRate?: number;
  duplicateRate?: number;
  reorder?: boolean;
}

/** One fault verb, as data: runners map each to the Cluster API or the Simulator. */
export type FaultAction =
  | { verb: 'partition'; groups: NodeId[][] }
  | { verb: 'cut'; from: NodeId; to: NodeId }
  | { verb: 'heal' }
  | { verb: 'link'; a: NodeId; b: NodeId; settings: LinkChange }
  | { verb: 'crash'; node: NodeId }
  | { verb: 'restart'; node: NodeId }
  | { verb: 'pause'; node: NodeId }
  | { verb: 'resume'; node: NodeId };

export const HEALTHY_LINK_CHANGE: Required<LinkChange> = { delayMs: 0, jitterMs: 0, lossRate: 0, duplicateRate: 0, reorder: false };

export interface FaultPlan {
  kind: FaultKind;
  /** Human-readable, e.g. "partition [1,2] | [3,4,5]". */
  description: string;
  /** The nodes the fault is about (crashed, isolated, on a degraded link...). */
  nodes: NodeId[];
  start: FaultAction[];
  /** Undoes start; run when the fault's time is up or the run ends. */
  end: FaultAction[];
  durationMs: number;
}

export interface NemesisTiming {
  /** Quiet time between the end of one fault and the start of the next, drawn from [min, max]. */
  gapMinMs: number;
  gapMaxMs: number;
  /** How long a fault lasts, drawn from [min, max]. */
  durationMinMs: number;
  durationMaxMs: number;
}

export const DEFAULT_NEMESIS_TIMING: NemesisTiming = { gapMinMs: 500, gapMaxMs: 2_000, durationMinMs: 1_000, durationMaxMs: 4_000 };

/** Parses `partition,crash,loss` (groups or single kinds; `none` for no faults). Throws RangeError with the known names. */
export function parseNemesis(text: string): FaultKind[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
  if (names.length === 1 && names[0] === 'none') return [];
  if (names.length === 0) throw new RangeError('--nemesis needs at least one fault name (or none)');
  const kinds = new Set<FaultKind>();
  for (const name of names) {
    const group = NEMESIS_GROUPS[name];
    if (group !== undefined) for (const kind of group) kinds.add(kind);
    else if ((FAULT_KINDS as readonly string[]).includes(name)) kinds.add(name as FaultKind);
    else throw new RangeError(`unknown nemesis '${name}' (known: ${Object.keys(NEMESIS_GROUPS).join(', ')}, or one of ${FAULT_KINDS.join(', ')})`);
  }
  return FAULT_KINDS.filter((kind) => kinds.has(kind));
}

/**
 * Plans one fault of a kind drawn from `kinds`. `leader` is the current leader (null when none is
 * known: leader faults then hit a random node). Every random draw comes from `random`, in a fixed
 * order, so the same seed and the same leaders give the same plan.
 */
export function planFault(random: Prng, kinds: readonly FaultKind[], nodeIds: readonly NodeId[], leader: NodeId | null, timing: NemesisTiming): FaultPlan {
  // A family first, then a kind in it: `partition,crash` crashes half the time, not 2 times in 7.
  const family = random.pick([...new Set(kinds.map(familyOf))]);
  const kind = random.pick(kinds.filter((k) => familyOf(k) === family));
  const durationMs = random.int(timing.durationMinMs, timing.durationMaxMs);
  const target = leader ?? random.pick(nodeIds);
  const shuffled = random.shuffle([...nodeIds]);
  const plan = (description: string, nodes: NodeId[], start: FaultAction[], end: FaultAction[]): FaultPlan => ({ kind, description, nodes, start, end, durationMs });
  const heal: FaultAction[] = [{ verb: 'heal' }];
  switch (kind) {
    case 'partition-halves': {
      const cut = Math.max(1, Math.floor(shuffled.length / 2));
      const groups = [sorted(shuffled.slice(0, cut)), sorted(shuffled.slice(cut))];
      return plan(`partition ${groups.map(show).join(' | ')}`, groups[0] ?? [], [{ verb: 'partition', groups }], heal);
    }
    case 'isolate-leader': {
      const rest = nodeIds.filter((id) => id !== target);
      return plan(`isolate node ${target}${leader === null ? ' (no leader known)' : ' (leader)'}`, [target], [{ verb: 'partition', groups: [[target], [...rest]] }], heal);
    }
    case 'partition-bridge': {
      // Two halves that cannot talk, and one node (the bridge) that talks to both.
      const [bridge, ...others] = shuffled as [NodeId, ...NodeId[]];
      const half = Math.floor(others.length / 2);
      const left = sorted(others.slice(0, half));
      const right = sorted(others.slice(half));
      return plan(`bridge: ${show(left)} <-${bridge}-> ${show(right)}`, [bridge], crossCuts(left, right), heal);
    }
    case 'partition-ring': {
      // Each node hears only its two neighbours in a random ring: every node sees a majority (with
      // itself) for n <= 5, yet no two non-neighbours agree on anything directly.
      const cuts: FaultAction[] = [];
      const n = shuffled.length;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const neighbours = j - i === 1 || (i === 0 && j === n - 1);
          if (!neighbours && n > 3) cuts.push(...bothWays(shuffled[i] as NodeId, shuffled[j] as NodeId));
        }
      }
      return plan(`ring ${shuffled.join('-')}-${shuffled[0]}`, [...shuffled], cuts, heal);
    }
    case 'one-way': {
      // The target's messages stop reaching 1-3 others while theirs still reach it (a leader that
      // can send no heartbeats but hears every vote request, or the reverse).
      const others = shuffled.filter((id) => id !== target);
      const to = sorted(others.slice(0, random.int(1, Math.min(3, others.length))));
      return plan(`one-way cut: ${target} -/-> ${show(to)}`, [target], to.map((id): FaultAction => ({ verb: 'cut', from: target, to: id })), heal);
    }
    case 'crash':
    case 'crash-leader': {
      const node = kind === 'crash' ? (shuffled[0] as NodeId) : target;
      return plan(`crash node ${node}${kind === 'crash-leader' && leader !== null ? ' (leader)' : ''}`, [node], [{ verb: 'crash', node }], [{ verb: 'restart', node }]);
    }
    case 'pause': {
      const node = shuffled[0] as NodeId;
      return plan(`pause node ${node}`, [node], [{ verb: 'pause', node }], [{ verb: 'resume', node }]);
    }
    case 'link-loss':
    case 'link-delay':
    case 'link-duplicate':
      return planLinks(random, kind, target, nodeIds, plan);
  }
}

/** Degrades every link of one node (the leader when known): loss, delay with jitter, or duplication. */
function planLinks(
  random: Prng,
  kind: 'link-loss' | 'link-delay' | 'link-duplicate',
  node: NodeId,
  nodeIds: readonly NodeId[],
  plan: (description: string, nodes: NodeId[], start: FaultAction[], end: FaultAction[]) => FaultPlan,
): FaultPlan {
  let settings: LinkChange;
  let what: string;
  if (kind === 'link-loss') {
    const lossRate = random.pick([0.1, 0.3, 0.5, 0.8]);
    settings = { lossRate };
    what = `${Math.round(lossRate * 100)}% loss`;
  } else if (kind === 'link-delay') {
    const delayMs = random.int(20, 150);
    const jitterMs = random.int(0, delayMs);
    settings = { delayMs, jitterMs, reorder: true };
    what = `delay ${delayMs}±${jitterMs} ms, reordered`;
  } else {
    const duplicateRate = random.pick([0.2, 0.5]);
    settings = { duplicateRate, reorder: true };
    what = `${Math.round(duplicateRate * 100)}% duplicated, reordered`;
  }
  const others = nodeIds.filter((id) => id !== node);
  const start: FaultAction[] = others.map((other) => ({ verb: 'link', a: node, b: other, settings }));
  const end: FaultAction[] = others.map((other) => ({ verb: 'link', a: node, b: other, settings: HEALTHY_LINK_CHANGE }));
  return plan(`links of node ${node}: ${what}`, [node], start, end);
}

/** The group a kind belongs to (the command line's short names). */
export function familyOf(kind: FaultKind): string {
  for (const name of ['partition', 'crash', 'loss', 'pause']) if ((NEMESIS_GROUPS[name] as readonly FaultKind[]).includes(kind)) return name;
  return kind;
}

function crossCuts(left: readonly NodeId[], right: readonly NodeId[]): FaultAction[] {
  return left.flatMap((a) => right.flatMap((b) => bothWays(a, b)));
}

function bothWays(a: NodeId, b: NodeId): FaultAction[] {
  return [{ verb: 'cut', from: a, to: b }, { verb: 'cut', from: b, to: a }];
}

function sorted(ids: NodeId[]): NodeId[] {
  return ids.sort((a, b) => a - b);
}

function show(ids: readonly NodeId[]): string {
  return `[${ids.join(',')}]`;
}

/** The actions that undo everything a run may have left behind: heal cuts and links, restart, resume. */
export function healAllActions(nodeIds: readonly NodeId[], down: ReadonlySet<NodeId>, paused: ReadonlySet<NodeId>, degraded: ReadonlyArray<[NodeId, NodeId]>): FaultAction[] {
  const actions: FaultAction[] = [{ verb: 'heal' }];
  for (const [a, b] of degraded) actions.push({ verb: 'link', a, b, settings: HEALTHY_LINK_CHANGE });
  for (const id of nodeIds) {
    if (down.has(id)) actions.push({ verb: 'restart', node: id });
    if (paused.has(id)) actions.push({ verb: 'resume', node: id });
  }
  return actions;
}
