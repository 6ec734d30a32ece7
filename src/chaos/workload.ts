/**
 * The chaos workload on a running cluster: N concurrent clients, each with its own KvClient, each
 * with one operation in flight at a time on a small key space, recording every invocation and
 * return on a monotonic clock. Outcomes:
 * - ok: a reply came (a cas that did not swap is ok with output false);
 * - fail: a definite refusal (KvCommandError): the store says it did nothing;
 * - unknown: KvTimeoutError, a lost connection, an expired session, a closed client... the
 *   operation may or may not have taken effect.
 * After an unknown outcome the client continues under a fresh client id (as Jepsen does with a
 * crashed process), so no client id ever has two operations that might overlap. Reader clients
 * (numbered after the others) only read.
 */
import { KvCommandError } from '../client/errors.js';
import type { KvClient } from '../client/kv_client.js';
import type { Outcome, Value } from '../check/history.js';
import { Prng } from '../lib/prng.js';
import type { HistoryRecorder } from './history_recorder.js';
import { OperationPicker, type PlannedOperation } from './op_picker.js';

export interface WorkloadOptions {
  clients: number;
  /** Extra clients that only read (ChaosOptions.readerClients). */
  readerClients: number;
  keys: number;
  seed: number;
  /** Deadline of one operation, retries included; past it the outcome is unknown. */
  operationTimeoutMs: number;
  /** Each client waits a random 0..thinkMaxMs between operations. */
  thinkMaxMs: number;
}

export interface WorkloadStats {
  ok: number;
  fail: number;
  unknown: number;
}

export class ChaosWorkload {
  readonly stats: WorkloadStats = { ok: 0, fail: 0, unknown: 0 };
  private readonly makeClient: () => KvClient;
  private readonly recorder: HistoryRecorder;
  private readonly options: WorkloadOptions;
  private readonly clock: () => number;
  private readonly loops: Array<Promise<void>> = [];
  private readonly clientsInUse: KvClient[] = [];
  private stopping = false;
  private wakeSleepers = new Set<() => void>();

  constructor(makeClient: () => KvClient, recorder: HistoryRecorder, options: WorkloadOptions, clock: () => number) {
    this.makeClient = makeClient;
    this.recorder = recorder;
    this.options = options;
    this.clock = clock;
  }

  start(): void {
    const root = new Prng(this.options.seed ^ 0x0c11e47);
    for (let worker = 1; worker <= this.workers; worker++) {
      const client = this.makeClient();
      this.clientsInUse.push(client);
      this.loops.push(this.runClient(worker, client, root.fork()));
    }
  }

  /** No new operations; resolves once every operation in flight has its outcome (each has a deadline). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.wakeSleepers]) wake();
    await Promise.all(this.loops);
    await Promise.all(this.clientsInUse.map((client) => client.close()));
  }

  /** Every client, readers included: client ids grow by this after an unknown outcome. */
  private get workers(): number {
    return this.options.clients + this.options.readerClients;
  }

  private async runClient(worker: number, client: KvClient, random: Prng): Promise<void> {
    let clientId = worker;
    const picker = new OperationPicker(random.fork(), worker, this.options.keys, { readsOnly: worker > this.options.clients });
    while (!this.stopping) {
      const planned = picker.next();
      const id = this.recorder.invoke(clientId, planned, this.clock());
      const { outcome, output } = await runOperation(client, planned, this.options.operationTimeoutMs);
      this.recorder.complete(id, outcome, output, this.clock());
      this.stats[outcome]++;
      picker.observe(planned, outcome, output);
      if (outcome === 'unknown') clientId += this.workers;
      await this.think(random.int(0, this.options.thinkMaxMs));
    }
  }

  private think(delayMs: number): Promise<void> {
    if (delayMs <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeSleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      this.wakeSleepers.add(done);
    });
  }
}

/** Runs one planned operation through the client and classifies what came back. */
export async function runOperation(client: KvClient, op: PlannedOperation, timeoutMs: number): Promise<{ outcome: Outcome; output: Value | boolean }> {
  const options = { timeoutMs };
  try {
    switch (op.kind) {
      case 'read':
        return { outcome: 'ok', output: await client.get(op.key, options) };
      case 'write':
        await client.set(op.key, op.input, options);
        return { outcome: 'ok', output: null };
      case 'append':
        await client.append(op.key, op.input, options);
        return { outcome: 'ok', output: null };
      case 'delete':
        await client.del([op.key], options);
        return { outcome: 'ok', output: null };
      case 'cas': {
        const result = await client.cas(op.key, op.input.expected, op.input.value, options);
        return { outcome: 'ok', output: result.swapped };
      }
    }
  } catch (error) {
    // Only a refusal by the store itself is a definite "did nothing"; anything else may have applied.
    return { outcome: error instanceof KvCommandError ? 'fail' : 'unknown', output: null };
  }
}
