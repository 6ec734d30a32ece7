/**
 * The replicated key-value state machine (the StateMachine port). apply() runs proposals (lists of
 * items, each optionally tagged with a client session) in log order; query() answers lists of
 * read-only commands. Both take and return the binary encodings of command_codec.ts. Deterministic:
 * no clock, no randomness, iteration only in insertion order.
 */
import { assert } from '../lib/assert.js';
import type { StateMachine } from '../ports/state_machine.js';
import {
  decodeProposal,
  decodeProposalGroup,
  decodeQuery,
  encodeGroupResults,
  encodeResult,
  encodeResults,
  joinEncodedResults,
  malformedResult,
} from './command_codec.js';
import { isWrite, KV_ERRORS, type KvCommand, type KvItem, type KvRead, type KvResult } from './commands.js';
import { executeRead, executeWrite } from './execute.js';
import { KeySpace } from './key_space.js';
import { ANSWER_BYTES_MAX, answerTooLarge, proposalAnswersTooLarge, resultBytes } from './result_bytes.js';
import {
  DEFAULT_MAX_EVICTED_SESSIONS,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_SESSION_RESULT_BYTES_TOTAL_MAX,
  DEFAULT_SESSION_WINDOW,
  resultNotKept,
  SESSION_RESULT_BYTES_MAX,
  SessionTable,
} from './session_table.js';
import { captureState, decodeSnapshot, encodeSessions, encodeSnapshot, IncrementalSnapshotEncoder, type TailCommand } from './snapshot_codec.js';

/**
 * query() stops once its answers pass this many bytes (answering at least one read): the rest get
 * one 'deferred' result and are asked again. Else one pipeline of reads of a big value would be
 * answered, encoded and rendered as a whole (1,000 reads of a 1 MiB value: 1 GB) in one go.
 */
export const QUERY_RESULT_BYTES_MAX = 4 * 1024 * 1024;

export interface KvStateMachineOptions {
  /** Most client sessions remembered; the least recently used is evicted beyond it. */
  maxSessions?: number;
  /** Sequence numbers per session whose results are kept for retries. */
  sessionWindow?: number;
  /** Estimated bytes of kept results (see resultCharge) past which sessions are evicted. */
  sessionResultBytesMax?: number;
}

/**
 * A snapshot in the making (see beginSnapshot): the state captured at `capturedIndex`, encoded a
 * bounded number of entries per step() while the machine keeps applying.
 */
export interface SnapshotJob {
  readonly capturedIndex: number;
  /** Encodes up to `maxEntries` more entries; true when the base is complete. */
  step(maxEntries: number): boolean;
  /** False once the job was superseded (restore, another job, a synchronous snapshot). */
  readonly active: boolean;
}

class KvSnapshotJob implements SnapshotJob {
  readonly capturedIndex: number;
  readonly encoder: IncrementalSnapshotEncoder;
  readonly tail: TailCommand[] = [];
  active = true;
  complete = false;

  constructor(capturedIndex: number, encoder: IncrementalSnapshotEncoder) {
    this.capturedIndex = capturedIndex;
    this.encoder = encoder;
  }

  step(maxEntries: number): boolean {
    if (!this.active) return true;
    this.complete = this.encoder.step(maxEntries);
    return this.complete;
  }
}

export class KvStateMachine implements StateMachine {
  private readonly space = new KeySpace();
  private readonly sessions: SessionTable;
  private appliedIndexValue = 0;
  private job: KvSnapshotJob | null = null;

  constructor(options: KvStateMachineOptions = {}) {
    this.sessions = new SessionTable(
      options.maxSessions ?? DEFAULT_MAX_SESSIONS,
      options.sessionWindow ?? DEFAULT_SESSION_WINDOW,
      DEFAULT_MAX_EVICTED_SESSIONS,
      options.sessionResultBytesMax ?? DEFAULT_SESSION_RESULT_BYTES_TOTAL_MAX,
    );
  }

  /** Index of the last applied entry (0 before any). */
  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  get keyCount(): number {
    return this.space.size;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  apply(command: Uint8Array, index: number, resultWanted = true): Uint8Array {
    // Applying an index twice, or going back, would break exactly-once: the driver is wrong.
    assert(index > this.appliedIndexValue, () => `apply at index ${index} after ${this.appliedIndexValue}`);
    this.appliedIndexValue = index;
    // Commands applied while a snapshot job encodes its capture travel in the snapshot's tail.
    if (this.job !== null) this.job.tail.push({ index, command });
    const group = decodeProposalGroup(command);
    if (group === null) return this.applyProposal(command, resultWanted);
    if (!group.ok) return resultWanted ? malformed(group.message) : NO_RESULT;
    const parts = group.value.map((proposal) => this.applyProposal(proposal, resultWanted));
    return resultWanted ? encodeGroupResults(parts) : NO_RESULT;
  }

  private applyProposal(proposal: Uint8Array, resultWanted: boolean): Uint8Array {
    const decoded = decodeProposal(proposal);
    if (!decoded.ok) return resultWanted ? malformed(decoded.message) : NO_RESULT;
    const budget = { readAnswerBytes: 0 };
    const parts = decoded.value.map((item) => this.applyItem(item, resultWanted, budget));
    return resultWanted ? joinEncodedResults(parts) : NO_RESULT;
  }

  query(query: Uint8Array): Uint8Array {
    const decoded = decodeQuery(query);
    if (!decoded.ok) return malformed(decoded.message);
    return encodeResults(this.queryCommands(decoded.value));
  }

  /**
   * query() without the codec, for a caller in this thread that holds the commands already (a
   * node's own client ports): without encoding and decoding the commands and their results,
   * pipelined GETs ran 13-19% faster. Results share bytes with the stored values, which are never
   * written to: they stay valid whatever is applied later.
   */
  queryCommands(commands: readonly KvCommand[]): KvResult[] {
    const results: KvResult[] = [];
    let bytes = 0;
    for (const command of commands) {
      if (bytes >= QUERY_RESULT_BYTES_MAX) {
        results.push({ type: 'deferred' });
        break;
      }
      const result: KvResult = isWrite(command) ? { type: 'error', message: KV_ERRORS.readOnlyQuery } : executeRead(this.space, command);
      // Cheap to weigh first: an answer shares the stored values, nothing is copied yet.
      const resultWeight = resultBytes(result);
      if (resultWeight > ANSWER_BYTES_MAX) {
        results.push(answerTooLarge(resultWeight));
        continue;
      }
      results.push(result);
      bytes += resultWeight;
    }
    return results;
  }

  /**
   * Starts a snapshot that does not stall the caller: a copy of the key map's entry references
   * (values are immutable Uint8Arrays) and the encoded sessions, now; the encoding proceeds in
   * job.step() calls. The next snapshot() after the job completes returns base + tail without
   * re-encoding. A job already running is superseded.
   */
  beginSnapshot(): SnapshotJob {
    this.cancelJob();
    const capture = captureState(this.appliedIndexValue, this.space.entries(), encodeSessions(this.sessions.entries()), this.space.size);
    const encoder = new IncrementalSnapshotEncoder(capture);
    this.job = new KvSnapshotJob(this.appliedIndexValue, encoder);
    return this.job;
  }

  /** The state now: from a completed job when there is one (cheap), else encoded at once. */
  snapshot(): Uint8Array {
    const job = this.job;
    if (job !== null && job.complete) {
      this.job = null;
      job.active = false;
      return job.encoder.finish(job.tail);
    }
    this.cancelJob();
    return encodeSnapshot({
      appliedIndex: this.appliedIndexValue,
      entries: this.space.entries(),
      sessions: this.sessions.entries(),
    });
  }

  restore(snapshot: Uint8Array): void {
    const decoded = decodeSnapshot(snapshot);
    // Storage checksums snapshots; one that still fails to decode must never be served.
    assert(decoded.ok, () => `cannot restore key-value snapshot: ${decoded.ok ? '' : decoded.message}`);
    this.cancelJob();
    this.space.clear();
    for (const [key, value] of decoded.value.entries) this.space.set(key, value);
    this.sessions.load(decoded.value.sessions);
    this.appliedIndexValue = decoded.value.appliedIndex;
    for (const { index, command } of decoded.value.tail) this.apply(command, index, false);
  }

  /** Drops a snapshot job in progress (its tail stops growing). */
  cancelSnapshot(): void {
    this.cancelJob();
  }

  private cancelJob(): void {
    if (this.job !== null) this.job.active = false;
    this.job = null;
  }

  /**
   * One item's encoded result; a retried session write returns the first one without applying.
   * Session writes encode theirs even when not wanted: the session table keeps it for retries.
   */
  private applyItem(item: KvItem, resultWanted: boolean, budget: { readAnswerBytes: number }): Uint8Array {
    const { session, command } = item;
    if (!isWrite(command)) return resultWanted ? encodeResult(this.boundedRead(command, budget)) : NO_RESULT;
    if (session === null) {
      const result = executeWrite(this.space, command);
      return resultWanted ? encodeResult(result) : NO_RESULT;
    }
    const check = this.sessions.check(session.clientId, session.sequence);
    if (check.kind === 'duplicate') return check.result;
    if (check.kind === 'expired') return encodeResult({ type: 'error', message: check.message });
    const result = encodeResult(executeWrite(this.space, command));
    const kept = result.length > SESSION_RESULT_BYTES_MAX ? encodeResult({ type: 'error', message: resultNotKept(session.sequence, result.length) }) : result;
    this.sessions.record(session.clientId, session.sequence, kept);
    return result;
  }

  /**
   * A read that travels in a proposal (a pipeline mixing reads and writes), under the same bound
   * as queryCommands' per answer, and with ANSWER_BYTES_MAX for all the proposal's reads together
   * (a proposal cannot defer them). Reads change nothing, so refusing one answers differently on
   * the leader only: the replicas stay the same (followers do not run reads at all).
   */
  private boundedRead(command: KvRead, budget: { readAnswerBytes: number }): KvResult {
    const result = executeRead(this.space, command);
    const weight = resultBytes(result);
    if (weight > ANSWER_BYTES_MAX) return answerTooLarge(weight);
    if (budget.readAnswerBytes + weight > ANSWER_BYTES_MAX) return proposalAnswersTooLarge(budget.readAnswerBytes + weight);
    budget.readAnswerBytes += weight;
    return result;
  }
}

/** What apply() returns when the result is not wanted. */
const NO_RESULT = new Uint8Array(0);

function malformed(message: string): Uint8Array {
  return encodeResults([malformedResult(message)]);
}
