/**
 * Link rules: the one fault vocabulary (partition, one-way cut, isolate, heal, per-link delay,
 * jitter, loss, duplication, reordering) as a pure object. Every transport asks route() when it
 * sends a message and gets back the delivery time of each copy; no timers live here, so the
 * simulator, the MessagePort mesh and TCP all share exactly the same rules. A sender that holds
 * delayed copies itself listens for changes (setChangeListener) and re-times them with retime().
 */
import type { Prng } from '../lib/prng.js';
import { HEALTHY_LINK, LINK_DELAY_MAX_MS, type LinkSettings, type NodeId } from '../ports/transport.js';

export interface LinkRulesState {
  cuts: Array<[from: NodeId, to: NodeId]>;
  links: Array<{ from: NodeId; to: NodeId; settings: LinkSettings }>;
}

/** Node ids are below this bound, so a directed pair packs into one number (a cheap map key). */
const NODE_ID_BOUND = 0x10000;

function pairKey(from: NodeId, to: NodeId): number {
  return from * NODE_ID_BOUND + to;
}

function parsePairKey(key: number): [NodeId, NodeId] {
  return [Math.floor(key / NODE_ID_BOUND), key % NODE_ID_BOUND];
}

function checkNodeId(id: NodeId): void {
  if (!(Number.isInteger(id) && id >= 0 && id < NODE_ID_BOUND)) throw new RangeError(`node id must be an integer in [0, ${NODE_ID_BOUND}), got ${id}`);
}

function checkRate(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0 && value <= 1)) {
    throw new RangeError(`${name} must be a number in [0, 1], got ${value}`);
  }
}

function checkDuration(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  if (value > LINK_DELAY_MAX_MS) throw new RangeError(`${name} must be at most ${LINK_DELAY_MAX_MS} ms (one hour), got ${value}`);
}

const LINK_SETTING_NAMES = Object.keys(HEALTHY_LINK);

/** A change names only known settings: a misspelt one (`loss` for lossRate) would silently do nothing. */
function checkSettingNames(settings: unknown): void {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new RangeError(`link settings must be an object such as { delayMs: 50, lossRate: 0.1 }, got ${String(settings)}`);
  }
  const unknown = Object.keys(settings).filter((name) => !LINK_SETTING_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new RangeError(`unknown link setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${LINK_SETTING_NAMES.join(', ')})`);
  }
}

/** Validates a full settings object; bad input is refused with a clear error. */
export function validateLinkSettings(settings: LinkSettings): void {
  checkDuration('delayMs', settings.delayMs);
  checkDuration('jitterMs', settings.jitterMs);
  checkRate('lossRate', settings.lossRate);
  checkRate('duplicateRate', settings.duplicateRate);
  if (typeof settings.reorder !== 'boolean') throw new RangeError('reorder must be a boolean');
}

function isHealthy(settings: LinkSettings): boolean {
  return (
    settings.delayMs === 0 &&
    settings.jitterMs === 0 &&
    settings.lossRate === 0 &&
    settings.duplicateRate === 0 &&
    !settings.reorder
  );
}

export class LinkRules {
  private readonly members: NodeId[];
  private readonly random: Prng;
  private readonly cuts = new Set<number>();
  private readonly links = new Map<number, LinkSettings>();
  /** The last FIFO copy handed out per directed link (when sent, when due), so FIFO links never go backwards. */
  private readonly fifoTails = new Map<number, { sentMs: number; dueMs: number }>();
  private changeListener: (() => void) | null = null;

  constructor(members: NodeId[], random: Prng) {
    members.forEach(checkNodeId);
    this.members = [...members];
    this.random = random;
  }

  /** Nodes in different groups cannot talk; members not listed are each cut off alone. */
  partition(groups: NodeId[][]): void {
    const groupOf = new Map<NodeId, number>();
    groups.forEach((group, groupIndex) => {
      for (const node of group) {
        checkNodeId(node);
        if (groupOf.has(node)) throw new RangeError(`node ${node} appears in more than one partition group`);
        groupOf.set(node, groupIndex);
      }
    });
    const everyone = [...new Set([...this.members, ...groupOf.keys()])];
    let loneGroup = groups.length;
    for (const node of everyone) if (!groupOf.has(node)) groupOf.set(node, loneGroup++);
    for (const from of everyone) {
      for (const to of everyone) {
        if (from !== to && groupOf.get(from) !== groupOf.get(to)) this.cuts.add(pairKey(from, to));
      }
    }
    this.changed();
  }

  /** Messages from `from` to `to` are dropped; the other direction is untouched. */
  partitionOneWay(from: NodeId, to: NodeId): void {
    checkNodeId(from);
    checkNodeId(to);
    if (from === to) throw new RangeError(`cannot cut node ${from} from itself`);
    this.cuts.add(pairKey(from, to));
    this.changed();
  }

  isolate(node: NodeId): void {
    for (const other of this.members) {
      if (other === node) continue;
      this.cuts.add(pairKey(node, other));
      this.cuts.add(pairKey(other, node));
    }
    this.changed();
  }

  /** Removes every cut; degraded link settings stay until resetLinks(). */
  heal(): void {
    this.cuts.clear();
    this.changed();
  }

  /** Changes the settings of the link between a and b, in both directions. */
  setLink(a: NodeId, b: NodeId, settings: Partial<LinkSettings>): void {
    checkNodeId(a);
    checkNodeId(b);
    checkSettingNames(settings);
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      const next = { ...this.linkSettings(from, to), ...settings };
      validateLinkSettings(next);
      this.storeLink(from, to, next);
    }
    this.changed();
  }

  resetLinks(): void {
    this.links.clear();
    this.changed();
  }

  canReach(from: NodeId, to: NodeId): boolean {
    return !this.cuts.has(pairKey(from, to));
  }

  linkSettings(from: NodeId, to: NodeId): LinkSettings {
    return this.links.get(pairKey(from, to)) ?? HEALTHY_LINK;
  }

  /**
   * Decides the fate of one message sent now: the delivery time of each copy, [] when dropped.
   * Without `reorder`, delivery times on one directed link never go backwards (FIFO), even
   * with jitter: a later message waits for the one before it.
   */
  route(from: NodeId, to: NodeId, nowMs: number): number[] {
    const key = pairKey(from, to);
    if (this.cuts.has(key)) return [];
    const settings = this.links.get(key);
    if (settings === undefined) return [this.fifo(key, nowMs, nowMs)];
    if (this.random.chance(settings.lossRate)) return [];
    const copies = this.random.chance(settings.duplicateRate) ? 2 : 1;
    const times: number[] = [];
    for (let i = 0; i < copies; i++) {
      const delayMs = settings.delayMs + (settings.jitterMs > 0 ? this.random.next() * settings.jitterMs : 0);
      times.push(settings.reorder ? nowMs + delayMs : this.fifo(key, nowMs, nowMs + delayMs));
    }
    return times;
  }

  state(): LinkRulesState {
    return {
      cuts: [...this.cuts].map(parsePairKey),
      links: [...this.links].map(([key, settings]) => {
        const [from, to] = parsePairKey(key);
        return { from, to, settings: { ...settings } };
      }),
    };
  }

  /** Replaces every cut and link setting (e.g. pushed from a supervisor to a worker). */
  setState(state: LinkRulesState): void {
    for (const [from, to] of state.cuts) [from, to].forEach(checkNodeId);
    for (const link of state.links) {
      checkNodeId(link.from);
      checkNodeId(link.to);
      validateLinkSettings(link.settings);
    }
    this.cuts.clear();
    this.links.clear();
    for (const [from, to] of state.cuts) this.cuts.add(pairKey(from, to));
    for (const link of state.links) this.storeLink(link.from, link.to, { ...link.settings });
    this.changed();
  }

  /**
   * Calls `listener` after every change of the rules, replacing any earlier one (there is one: the
   * sender that holds copies). The simulator sets none: its in-flight messages keep their times.
   */
  setChangeListener(listener: () => void): void {
    this.changeListener = listener;
  }

  /**
   * The time a copy sent at `sentMs` on from -> to, due at `dueMs` under older rules, is due under
   * the rules as they are now; null when the link is now cut (the copy is lost, as on a cut wire). It
   * is never due later than before, nor later than the current delay plus the whole jitter after it
   * was sent: a reset or a lower delay releases what an old long delay holds, and a higher one does
   * not postpone it. On a FIFO link both times grow with the send order, so their minimum does too:
   * re-timed copies keep their order, and retimeFifoTails() keeps later ones behind them.
   */
  retime(from: NodeId, to: NodeId, sentMs: number, dueMs: number): number | null {
    if (!this.canReach(from, to)) return null;
    const settings = this.linkSettings(from, to);
    return Math.min(dueMs, sentMs + settings.delayMs + settings.jitterMs);
  }

  /**
   * Re-times the last FIFO copy of every link like the held copies, so a new message waits behind
   * what is still held but not behind a due time that no longer applies (a cut link holds nothing).
   */
  retimeFifoTails(): void {
    for (const [key, tail] of this.fifoTails) {
      const [from, to] = parsePairKey(key);
      const dueMs = this.retime(from, to, tail.sentMs, tail.dueMs);
      if (dueMs === null) this.fifoTails.delete(key);
      else tail.dueMs = dueMs;
    }
  }

  private storeLink(from: NodeId, to: NodeId, settings: LinkSettings): void {
    if (isHealthy(settings)) this.links.delete(pairKey(from, to));
    else this.links.set(pairKey(from, to), settings);
  }

  private changed(): void {
    this.changeListener?.();
  }

  /** Runs on every FIFO send: updates the tail in place rather than allocating one per message. */
  private fifo(key: number, sentMs: number, atMs: number): number {
    const tail = this.fifoTails.get(key);
    if (tail === undefined) {
      this.fifoTails.set(key, { sentMs, dueMs: atMs });
      return atMs;
    }
    tail.sentMs = sentMs;
    tail.dueMs = Math.max(atMs, tail.dueMs);
    return tail.dueMs;
  }
}
