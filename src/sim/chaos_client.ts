/**
 * A chaos client inside the simulator: the emulator workload's operations (src/chaos/op_picker.ts)
 * encoded as real key-value commands (src/kv), one in flight at a time, recorded with virtual
 * invoke and return times. Writes carry a session tag (client id + sequence) that retries reuse, so
 * a retried write applies once, as with KvClient. An operation not answered by its deadline is
 * unknown; the client then continues under a fresh client id (a fresh session), as the emulator's does.
 */
import type { Outcome, Value } from '../check/history.js';
import type { HistoryRecorder } from '../chaos/history_recorder.js';
import type { OperationPicker, PlannedOperation } from '../chaos/op_picker.js';
import type { NodeId } from '../core/types.js';
import { decodeResults, encodeProposal, encodeQuery, type KvResult, type KvWrite } from '../kv/index.js';
import type { Prng } from '../lib/prng.js';
import type { NodeError } from '../node/types.js';
import type { Simulator } from './simulator.js';

export interface ChaosClientSettings {
  /** Workers in the workload: client ids grow by this after an unknown outcome. */
  clients: number;
  operationTimeoutMs: number;
  attemptTimeoutMs: number;
  thinkMaxMs: number;
  unsafeReadsFromFollowers: boolean;
}

const RETRY_BACKOFF_MS = 20;
const text = new TextEncoder();
const bytesToText = new TextDecoder();

interface InFlight {
  id: number;
  planned: PlannedOperation;
  deadlineMs: number;
  payload: Uint8Array;
  write: boolean;
}

export class ChaosSimClient {
  busy = false;
  stopping = false;
  private readonly sim: Simulator;
  private readonly recorder: HistoryRecorder;
  private readonly picker: OperationPicker;
  private readonly random: Prng;
  private readonly settings: ChaosClientSettings;
  private clientId: number;
  private sequence = 0;
  private leaderGuess: NodeId = 0;
  private op: InFlight | null = null;
  private attemptNo = 0;

  constructor(worker: number, sim: Simulator, recorder: HistoryRecorder, picker: OperationPicker, random: Prng, settings: ChaosClientSettings) {
    this.clientId = worker;
    this.sim = sim;
    this.recorder = recorder;
    this.picker = picker;
    this.random = random;
    this.settings = settings;
  }

  scheduleNext(): void {
    if (this.stopping) return;
    this.sim.queue.after(this.random.int(0, this.settings.thinkMaxMs), () => this.begin());
  }

  private begin(): void {
    if (this.stopping) return;
    const planned = this.picker.next();
    const now = this.sim.queue.nowMs;
    const id = this.recorder.invoke(this.clientId, planned, now);
    const write = planned.kind !== 'read';
    const payload = write
      ? encodeProposal([{ session: { clientId: `chaos-${this.clientId}`, sequence: ++this.sequence }, command: toWrite(planned) }])
      : encodeQuery([{ type: 'get', key: text.encode(planned.key) }]);
    this.op = { id, planned, deadlineMs: now + this.settings.operationTimeoutMs, payload, write };
    this.busy = true;
    this.attempt();
  }

  private attempt(): void {
    const op = this.op;
    if (op === null) return;
    if (this.sim.queue.nowMs >= op.deadlineMs) return this.finish(op, 'unknown', null);
    const attemptNo = ++this.attemptNo;
    const target = this.leaderGuess !== 0 ? this.leaderGuess : this.random.pick(this.sim.nodeIds);
    const current = (): boolean => this.op === op && this.attemptNo === attemptNo;
    this.sim.queue.after(Math.min(this.settings.attemptTimeoutMs, Math.max(1, op.deadlineMs - this.sim.queue.nowMs)), () => {
      if (!current()) return;
      this.leaderGuess = 0;
      this.attempt();
    });
    const onReply = (outcome: { ok: true; result: Uint8Array } | { ok: false; error: NodeError }): void => {
      if (!current()) return;
      if (!outcome.ok) return this.retry(outcome.error);
      this.leaderGuess = target;
      const decoded = decodeResults(outcome.result);
      const result: KvResult = decoded.ok && decoded.value[0] !== undefined ? decoded.value[0] : { type: 'error', message: 'ERR undecodable result' };
      const { outcome: verdict, output } = interpret(op.planned, result);
      this.finish(op, verdict, output);
    };
    if (op.write) this.sim.submitWrite(target, op.payload, onReply);
    else this.sim.submitRead(target, op.payload, onReply, { unsafeReadsFromFollowers: this.settings.unsafeReadsFromFollowers });
  }

  private retry(error: NodeError): void {
    const hint = error.type === 'not-leader' ? error.leaderHint : 0;
    this.leaderGuess = hint;
    const attemptNo = this.attemptNo;
    this.sim.queue.after(hint !== 0 ? 0 : RETRY_BACKOFF_MS, () => {
      if (this.attemptNo === attemptNo) this.attempt();
    });
  }

  private finish(op: InFlight, outcome: Outcome, output: Value | boolean): void {
    this.recorder.complete(op.id, outcome, output, this.sim.queue.nowMs);
    this.picker.observe(op.planned, outcome, output);
    if (outcome === 'unknown') {
      this.clientId += this.settings.clients;
      this.sequence = 0;
    }
    this.op = null;
    this.busy = false;
    this.attemptNo++;
    this.sim.trace.mix(op.id);
    this.scheduleNext();
  }
}

function toWrite(op: PlannedOperation): KvWrite {
  const key = text.encode(op.key);
  switch (op.kind) {
    case 'write':
      return { type: 'set', key, value: text.encode(op.input), condition: 'always', returnOld: false };
    case 'append':
      return { type: 'append', key, value: text.encode(op.input) };
    case 'delete':
      return { type: 'del', keys: [key] };
    case 'cas':
      // "Only if absent" is SET NX GET, as KvClient sends it: a null old value means it swapped.
      if (op.input.expected === null) return { type: 'set', key, value: text.encode(op.input.value), condition: 'nx', returnOld: true };
      return { type: 'cas', key, expected: text.encode(op.input.expected), value: text.encode(op.input.value) };
    case 'read':
      throw new RangeError('a read is not a write');
  }
}

/** What a result says about the operation: an error result is a refusal, or unknown for an expired session. */
function interpret(op: PlannedOperation, result: KvResult): { outcome: Outcome; output: Value | boolean } {
  if (result.type === 'error') return { outcome: result.message.startsWith('SESSIONEXPIRED') ? 'unknown' : 'fail', output: null };
  switch (op.kind) {
    case 'read':
      return { outcome: 'ok', output: result.type === 'bulk' ? bytesToText.decode(result.value) : null };
    case 'cas':
      if (result.type === 'cas') return { outcome: 'ok', output: result.swapped };
      return { outcome: 'ok', output: result.type === 'null' };
    default:
      return { outcome: 'ok', output: null };
  }
}
