/**
 * One client connection of the RESP front end, without sockets: bytes in through onData(), replies
 * out through ConnectionIo, always in request order. Data commands that arrive together leave
 * together as one proposal or one read (see dispatch.ts), which is how a pipeline becomes a batch.
 *
 * Writes pipeline: a batch with a write is proposed while earlier write batches of this connection
 * are still in flight (the log keeps their order, so a client sending write after write is not held
 * up a whole commit round per batch). Anything else — a read-only batch, a server command, an
 * immediate error — waits until nothing is in flight, so a read sees every write sent before it and
 * no write overtakes a read (its ReadIndex could otherwise include the later write).
 */
import { decodeResultsOrError, encodeProposal } from '../../kv/command_codec.js';
import type { KvItem, KvResult } from '../../kv/commands.js';
import type { ProposalOutcome } from '../../node/types.js';
import type { KvResultsOutcome } from './backend.js';
import { FifoQueue } from '../../lib/fifo_queue.js';
import { RespRequestParser, type RequestParserLimits } from '../../lib/resp/request_parser.js';
import { resp, type RespValue } from '../../lib/resp/resp_types.js';
import { RespWriter } from '../../lib/resp/writer.js';
import type { Render } from './data_commands.js';
import {
  classifyData,
  commandName,
  isDataRequest,
  runServerCommand,
  type ConnectionState,
  type ServerContext,
} from './dispatch.js';
import { FORWARD_COMMAND } from '../forward/forward_protocol.js';
import { runForwarded } from './forwarded.js';
import { renderNodeError, tooLargeArgumentMessage } from './replies.js';

/** Parsed requests held before input is paused (the pipeline bound). */
export const RESP_MAX_QUEUED_COMMANDS = 10_000;
/** Bytes of parsed requests held before input is paused. */
export const RESP_MAX_QUEUED_BYTES = 64 * 1024 * 1024;
/** Most commands in one proposal or read. */
export const RESP_MAX_BATCH_COMMANDS = 1_000;
/**
 * A batch is closed before its arguments would pass this size; a bigger command goes alone, so
 * that one refused as too large for a log entry takes no other command down with it.
 */
export const RESP_MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Write batches of one connection in flight at once. */
export const RESP_MAX_WRITE_BATCHES_IN_FLIGHT = 16;
/**
 * Replies written but not yet taken by the client past which no new request starts (until
 * onDrain): a client that pipelines reads of big values and never reads would otherwise have the
 * node render every queued request's replies into memory.
 */
export const RESP_MAX_UNSENT_REPLY_BYTES = 4 * 1024 * 1024;

export interface ConnectionIo {
  write(bytes: Uint8Array): void;
  /** Bytes written that the client has not taken yet (the socket's write buffer). */
  unsentBytes(): number;
  /** Ends the connection once written bytes are flushed. */
  end(): void;
  /** Stops and restarts reading input (backpressure while the request queue is full). */
  pause(): void;
  resume(): void;
}

/** One request of a batch, with its arguments (to queue it again when a query defers it). */
type Slot = { args: Uint8Array[] } & ({ kind: 'item'; index: number; render: Render } | { kind: 'reply'; value: RespValue });

interface Segment {
  slots: Slot[];
  items: KvItem[];
  writes: boolean;
}

/** A backend call in flight; its replies, once they come, wait for the ones before them. */
interface InFlight {
  writes: boolean;
  replies: RespValue[] | null;
}

export class RespConnection {
  readonly state: ConnectionState;
  private readonly parser: RespRequestParser;
  private readonly context: ServerContext;
  private readonly io: ConnectionIo;
  /** Replies not yet written; reused, so its buffer is sized once for this client's pipelines. */
  private readonly out = new RespWriter(4096);
  /** Parsed requests not yet started, in arrival order. */
  private readonly queue = new FifoQueue<Uint8Array[]>();
  private queuedBytes = 0;
  private inFlight: InFlight[] = [];
  /** A collected batch that may not start before the calls in flight end (see the header). */
  private held: Segment | null = null;
  private closed = false;
  private paused = false;
  private protocolError: string | null = null;
  /** Queued stand-ins for requests with an argument too large to keep: the refusal each gets. */
  private readonly oversized = new WeakMap<Uint8Array[], string>();

  constructor(id: number, context: ServerContext, io: ConnectionIo, limits: Partial<RequestParserLimits> = {}) {
    this.state = { id, name: null, protocol: 2, sessionId: null, consistency: 'linearizable', redirect: false };
    this.context = context;
    this.io = io;
    this.parser = new RespRequestParser(limits);
  }

  onData(chunk: Uint8Array): void {
    if (this.closed || this.protocolError !== null) return;
    this.parser.push(chunk);
    for (;;) {
      const step = this.parser.next();
      if (step.kind === 'incomplete') break;
      if (step.kind === 'error') {
        this.protocolError = step.message; // answered after the requests before it, then close
        break;
      }
      if (step.kind === 'oversized') {
        // Its place in the queue, answered in order; no command name, so no batch takes it.
        const marker: Uint8Array[] = [];
        this.oversized.set(marker, tooLargeArgumentMessage(step.argumentBytes, step.limitBytes));
        this.queue.push(marker);
        this.queuedBytes += sizeOf(marker); // take() subtracts it
        continue;
      }
      this.queue.push(step.value);
      this.queuedBytes += sizeOf(step.value);
    }
    if (!this.paused && (this.pending > RESP_MAX_QUEUED_COMMANDS || this.queuedBytes > RESP_MAX_QUEUED_BYTES)) {
      this.paused = true;
      this.io.pause();
    }
    this.pump();
  }

  /** The client took the replies written so far: requests held back by their size may start. */
  onDrain(): void {
    if (!this.closed) this.pump();
  }

  /** The peer went away: drop queued work; replies of an in-flight call are discarded. */
  onClose(): void {
    this.closed = true;
    this.queue.takeAll();
  }

  private get pending(): number {
    return this.queue.size;
  }

  private pump(): void {
    const out = this.out;
    while (!this.closed && (this.held !== null || this.queue.size > 0)) {
      if (out.size >= RESP_MAX_UNSENT_REPLY_BYTES) this.io.write(out.take());
      // Past the socket's high-water mark, so the socket will emit 'drain' and onDrain() pump again.
      if (this.io.unsentBytes() >= RESP_MAX_UNSENT_REPLY_BYTES) break;
      if (this.held !== null) {
        if (this.inFlight.length > 0) break;
        const segment = this.held;
        this.held = null;
        this.startSegment(segment, out);
        continue;
      }
      const args = this.queue.peek() as Uint8Array[];
      const refusal = this.oversized.get(args);
      if (refusal !== undefined) {
        if (this.inFlight.length > 0) break;
        this.take();
        out.value(resp.error(refusal), this.state.protocol);
        continue;
      }
      const name = commandName(args);
      if (isDataRequest(name)) {
        if (this.inFlight.length >= RESP_MAX_WRITE_BATCHES_IN_FLIGHT || this.inFlight.some((call) => !call.writes)) break;
        const segment = this.collectSegment();
        if (segment.writes || this.inFlight.length === 0) this.startSegment(segment, out);
        else this.held = segment;
        continue;
      }
      if (this.inFlight.length > 0) break;
      if (name === FORWARD_COMMAND) {
        this.startForwarded();
        continue;
      }
      this.take();
      const result = runServerCommand(args, this.state, this.context);
      if (result.kind === 'quit') {
        out.value(resp.ok(), this.state.protocol);
        this.finish(out);
        return;
      }
      if (result.kind === 'reply') out.value(result.value, this.state.protocol);
    }
    const idle = this.inFlight.length === 0 && this.held === null && this.queue.size === 0;
    if (idle && !this.closed && this.protocolError !== null) {
      out.value(resp.error(`ERR ${this.protocolError}`), this.state.protocol);
      this.finish(out);
      return;
    }
    if (out.size > 0 && !this.closed) this.io.write(out.take());
    if (this.paused && this.pending < RESP_MAX_QUEUED_COMMANDS / 2 && this.queuedBytes < RESP_MAX_QUEUED_BYTES / 2) {
      this.paused = false;
      this.io.resume();
    }
  }

  private take(): Uint8Array[] {
    const args = this.queue.shift() as Uint8Array[];
    this.queuedBytes -= sizeOf(args);
    return args;
  }

  private finish(out: RespWriter): void {
    this.io.write(out.take());
    this.io.end();
    this.onClose();
  }

  private collectSegment(): Segment {
    const segment: Segment = { slots: [], items: [], writes: false };
    let bytes = 0;
    while (this.queue.size > 0 && segment.slots.length < RESP_MAX_BATCH_COMMANDS) {
      const args = this.queue.peek() as Uint8Array[];
      const name = commandName(args);
      if (!isDataRequest(name)) break;
      const size = sizeOf(args);
      if (segment.slots.length > 0 && bytes + size > RESP_MAX_BATCH_BYTES) break;
      this.take();
      bytes += size;
      const classified = classifyData(args, this.state, name);
      if (classified.kind === 'data') {
        segment.slots.push({ args, kind: 'item', index: segment.items.length, render: classified.render });
        segment.items.push(classified.item);
        segment.writes ||= classified.write;
      } else if (classified.kind === 'reply') {
        segment.slots.push({ args, kind: 'reply', value: classified.value });
      }
    }
    return segment;
  }

  /** A batch of only immediate answers (errors) is answered now; nothing can be in flight then. */
  private startSegment(segment: Segment, out: RespWriter): void {
    if (segment.items.length === 0) this.writeSlots(out, segment.slots, []);
    else this.answerWhenDone(this.runSegment(segment), segment.writes);
  }

  /**
   * Forwarded requests come from other nodes, each carrying one client's batch on a shared link:
   * a run of them is started at once (not one after another) and answered in order.
   */
  private startForwarded(): void {
    const run: Array<Promise<RespValue>> = [];
    while (this.queue.size > 0 && run.length < RESP_MAX_BATCH_COMMANDS) {
      const args = this.queue.peek() as Uint8Array[];
      if (commandName(args) !== FORWARD_COMMAND) break;
      this.take();
      run.push(runForwarded(args, this.context.backend));
    }
    this.answerWhenDone(Promise.all(run), false);
  }

  /**
   * Once `replies` settle and every call before it has answered, they are written in order, in one
   * write with the replies of whatever pump() can answer at once after them.
   */
  private answerWhenDone(replies: Promise<RespValue[]>, writes: boolean): void {
    const call: InFlight = { writes, replies: null };
    this.inFlight.push(call);
    void replies.then((values) => {
      if (this.closed) return;
      call.replies = values;
      let answered = 0;
      for (const done of this.inFlight) {
        if (done.replies === null) break;
        for (const value of done.replies) this.out.value(value, this.state.protocol);
        answered++;
      }
      if (answered === 0) return;
      this.inFlight = this.inFlight.slice(answered);
      this.pump();
    });
  }

  /** One backend call for the whole segment; every slot gets its reply, in order. */
  private async runSegment(segment: Segment): Promise<RespValue[]> {
    const backend = this.context.backend;
    let itemReplies: RespValue[];
    try {
      const route = { forward: !this.state.redirect };
      const outcome = segment.writes
        ? decodedWrite(await backend.write(encodeProposal(segment.items), route))
        : await backend.read(segment.items.map((item) => item.command), this.state.consistency, route);
      if (!outcome.ok) {
        const failure = renderNodeError(outcome.error, backend);
        itemReplies = segment.items.map(() => failure);
      } else {
        const rendered = this.renderResults(segment, outcome.results);
        itemReplies = rendered.replies;
        if (rendered.deferredFrom !== null) this.requeueFrom(segment, rendered.deferredFrom);
      }
    } catch (error) {
      // A backend that throws is a bug elsewhere; this client still gets an answer per request.
      const failure = resp.error(`ERR internal error: ${error instanceof Error ? error.message : String(error)}`);
      itemReplies = segment.items.map(() => failure);
    }
    const out: RespValue[] = [];
    this.writeSlotsInto(out, segment.slots, itemReplies);
    return out;
  }

  /** Replies per item; deferredFrom: the first item a query left unanswered (see 'deferred'), else null. */
  private renderResults(segment: Segment, results: KvResult[]): { replies: RespValue[]; deferredFrom: number | null } {
    const deferredFrom = results.at(-1)?.type === 'deferred' ? results.length - 1 : null;
    // A malformed proposal yields one error result: repeat it for every item.
    const fallback = results.length === 1 && segment.items.length > 1 ? results[0] : undefined;
    const replies = segment.slots
      .filter((slot): slot is Extract<Slot, { kind: 'item' }> => slot.kind === 'item' && (deferredFrom === null || slot.index < deferredFrom))
      .map((slot) => {
        const result = results[slot.index] ?? fallback;
        return result === undefined ? resp.error('ERR missing result') : slot.render(result);
      });
    return { replies, deferredFrom };
  }

  /**
   * Puts the requests from item `firstItem` on back at the head of the queue and out of the
   * segment, to run as the next batch. Nothing after them has started: a read in flight holds
   * back every later request.
   */
  private requeueFrom(segment: Segment, firstItem: number): void {
    const cut = segment.slots.findIndex((slot) => slot.kind === 'item' && slot.index >= firstItem);
    const requeued = segment.slots.splice(cut).map((slot) => slot.args);
    segment.items.splice(firstItem);
    if (this.closed) return;
    this.queue.unshiftAll(requeued);
    for (const args of requeued) this.queuedBytes += sizeOf(args);
  }

  private writeSlots(out: RespWriter, slots: Slot[], itemReplies: RespValue[]): void {
    const values: RespValue[] = [];
    this.writeSlotsInto(values, slots, itemReplies);
    for (const value of values) out.value(value, this.state.protocol);
  }

  private writeSlotsInto(out: RespValue[], slots: Slot[], itemReplies: RespValue[]): void {
    for (const slot of slots) {
      out.push(slot.kind === 'reply' ? slot.value : (itemReplies[slot.index] ?? resp.error('ERR missing result')));
    }
  }
}

/** A write's outcome with its results decoded. */
function decodedWrite(outcome: ProposalOutcome): KvResultsOutcome {
  return outcome.ok ? { ok: true, index: outcome.index, results: decodeResultsOrError(outcome.result, 'result') } : outcome;
}

function sizeOf(args: Uint8Array[]): number {
  let total = 16;
  for (const arg of args) total += arg.length + 16;
  return total;
}
