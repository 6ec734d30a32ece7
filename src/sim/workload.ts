/**
 * Client workload: each client runs one operation at a time — a write of a unique value or a
 * linearizable read — against the node it believes is leader (a random one at first), follows
 * not-leader hints, and retries on errors and timeouts until the operation succeeds. Results
 * go to the checkers; once the quiet period starts, clients finish what they have and stop.
 */
import type { NodeId } from '../core/types.js';
import type { Prng } from '../lib/prng.js';
import type { NodeError } from '../node/types.js';
import { encodeGet, encodeSet } from './register_machine.js';
import type { Simulator } from './simulator.js';

const WRITE_PROBABILITY = 0.6;
const THINK_MAX_MS = 20;
/** A client gives up on one attempt after this long and retries (a crashed node never answers). */
const CLIENT_TIMEOUT_MS = 700;
const RETRY_BACKOFF_MS = 25;

type ClientOp =
  | { kind: 'write'; key: string; command: Uint8Array; invokeMs: number }
  | { kind: 'read'; key: string; query: Uint8Array; invokeMs: number; ackedBeforeInvokeIndex: number };

export interface WorkloadStats {
  writesAcked: number;
  readsOk: number;
  retries: number;
  clientTimeouts: number;
}

export class Workload {
  readonly stats: WorkloadStats = { writesAcked: 0, readsOk: 0, retries: 0, clientTimeouts: 0 };
  private readonly clients: SimClient[];
  /** Set when the quiet period starts: no new operations. */
  stopping = false;

  constructor(sim: Simulator, random: Prng, clientCount: number, keyCount: number) {
    this.clients = Array.from({ length: clientCount }, (_, i) => new SimClient(i + 1, sim, this, random.fork(), keyCount));
  }

  start(): void {
    for (const client of this.clients) client.scheduleNext();
  }

  /** Clients whose operation has not completed yet. */
  busyClients(): number {
    return this.clients.filter((client) => client.busy).length;
  }
}

class SimClient {
  private readonly id: number;
  private readonly sim: Simulator;
  private readonly workload: Workload;
  private readonly random: Prng;
  private readonly keyCount: number;
  private op: ClientOp | null = null;
  private attemptNo = 0;
  private leaderGuess: NodeId = 0;
  private opCount = 0;

  constructor(id: number, sim: Simulator, workload: Workload, random: Prng, keyCount: number) {
    this.id = id;
    this.sim = sim;
    this.workload = workload;
    this.random = random;
    this.keyCount = keyCount;
  }

  get busy(): boolean {
    return this.op !== null;
  }

  scheduleNext(): void {
    if (this.workload.stopping) return;
    this.sim.queue.after(this.random.int(0, THINK_MAX_MS), () => this.begin());
  }

  private begin(): void {
    if (this.workload.stopping) return;
    const key = `k${this.random.int(1, this.keyCount)}`;
    const invokeMs = this.sim.queue.nowMs;
    if (this.random.chance(WRITE_PROBABILITY)) {
      // Unique per operation (not per attempt): a retried write may apply twice, which a
      // register tolerates, and the checkers follow the index each acknowledgement names.
      this.op = { kind: 'write', key, command: encodeSet(key, `c${this.id}-${++this.opCount}`), invokeMs };
    } else {
      const ackedBeforeInvokeIndex = this.sim.checkers.durability.maxAckedIndex;
      this.op = { kind: 'read', key, query: encodeGet(key), invokeMs, ackedBeforeInvokeIndex };
    }
    this.attempt();
  }

  private attempt(): void {
    const op = this.op;
    if (op === null) return;
    const attemptNo = ++this.attemptNo;
    const target = this.leaderGuess !== 0 ? this.leaderGuess : this.random.pick(this.sim.nodeIds);
    this.sim.queue.after(CLIENT_TIMEOUT_MS, () => {
      if (this.attemptNo !== attemptNo || this.op !== op) return;
      this.workload.stats.clientTimeouts++;
      this.leaderGuess = 0;
      this.attempt();
    });
    if (op.kind === 'write') {
      this.sim.submitWrite(target, op.command, (outcome) => {
        if (this.attemptNo !== attemptNo || this.op !== op) return;
        if (!outcome.ok) return this.retry(attemptNo, outcome.error);
        this.leaderGuess = target;
        this.workload.stats.writesAcked++;
        this.sim.checkers.onWriteAcked(outcome.index, op.command);
        this.complete();
      });
    } else {
      this.sim.submitRead(target, op.query, (outcome) => {
        if (this.attemptNo !== attemptNo || this.op !== op) return;
        if (!outcome.ok) return this.retry(attemptNo, outcome.error);
        this.leaderGuess = target;
        this.workload.stats.readsOk++;
        this.sim.checkers.onReadOk(op.key, op.ackedBeforeInvokeIndex, outcome.index, outcome.result);
        this.complete();
      });
    }
  }

  private retry(attemptNo: number, error: NodeError): void {
    this.workload.stats.retries++;
    const hint = error.type === 'not-leader' ? error.leaderHint : 0;
    this.leaderGuess = hint;
    this.sim.queue.after(hint !== 0 ? 0 : RETRY_BACKOFF_MS, () => {
      if (this.attemptNo === attemptNo) this.attempt();
    });
  }

  private complete(): void {
    this.sim.trace.mix(this.id);
    this.sim.trace.mix(this.sim.queue.nowMs);
    this.op = null;
    this.scheduleNext();
  }
}
