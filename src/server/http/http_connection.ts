/**
 * One client connection of the HTTP front end, without sockets: bytes in through onData(),
 * responses out through HttpConnectionIo, always in request order (handleHttp is async, so
 * pipelined requests run at once and each answer waits in a queue for the ones before it).
 * Pipelined requests keep their order of effect as on the RESP port: reads (GET, HEAD) run
 * together and writes run together, but a read waits for the writes sent before it (so it sees
 * them) and a write for the reads sent before it (so they do not see it).
 *
 * Keep-alive by default for HTTP/1.1, close for HTTP/1.0 unless asked to keep it. A refused
 * request (malformed, over a limit, too slow) is answered and then the connection closes, since
 * where the next request would start is unknown. Reading pauses while QUEUED_REQUESTS_MAX answers
 * (or QUEUED_BODY_BYTES_MAX of their bodies) are pending or while the socket's buffer is full, and
 * requests start only while the answers they may add fit UNSENT_ANSWER_BYTES_MAX, so a client that
 * pipelines without reading cannot grow the server's memory.
 *
 * Timeouts (checked by the server's sweep through checkTimeouts()) bound what a client owes: a
 * head within headersTimeoutMs and a whole request within requestTimeoutMs of its first byte
 * (408, then close), the next request within keepAliveTimeoutMs of the last answer (dropped; empty
 * lines do not count as a request), answers it left unread taken within writeTimeoutMs (dropped,
 * and logged), and its own close within keepAliveTimeoutMs of our last byte leaving. Nothing else
 * is timed while the server owes an answer.
 */
import type { Logger } from '../../ports/logger.js';
import { handleHttp, type HttpContext } from './http_api.js';
import { problem, type HttpResponse } from './http_codec.js';
import type { Refusal } from './request_head.js';
import { HttpRequestParser, type ParsedRequest, type RequestParserLimits } from './request_parser.js';
import { CONTINUE_RESPONSE, formatResponse, type ResponseFraming } from './response_writer.js';

/** Requests taken in from one connection and not yet answered before its reading pauses. */
export const QUEUED_REQUESTS_MAX = 32;
/** Bodies of those requests held at once before reading pauses (one request may exceed it alone). */
export const QUEUED_BODY_BYTES_MAX = 16 * 1024 * 1024;
/**
 * Answers one connection holds unsent (in the socket's buffer, or done and waiting behind an
 * earlier one) past which it starts no more requests. Requests already running still answer, so
 * each running one is counted as large as the largest answer this connection has had, and the
 * first request of a connection runs alone: a client that never reads costs this plus about one
 * answer, not QUEUED_REQUESTS_MAX answers (256 MiB of 8 MiB values). A client whose answers grow
 * suddenly (small ones first, then a pipeline of large ones) can still have those running answer
 * at once. Counted in string length, as the socket counts what it holds: bytes for ASCII JSON.
 */
export const UNSENT_ANSWER_BYTES_MAX = 4 * 1024 * 1024;

export interface HttpTimeouts {
  /** A request's line and headers must arrive within this long of its first byte. */
  headersTimeoutMs: number;
  /** The whole request, body included, within this long of its first byte. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is dropped after this long (and a closing one whose client does not close). */
  keepAliveTimeoutMs: number;
  /**
   * Once the socket's buffer is full, the client must read it empty within this long or the
   * connection is dropped: answers it leaves unread hold the server's memory.
   */
  writeTimeoutMs: number;
}

/** node:http's default bounds, and a write timeout it does not have. */
export const HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 60_000, requestTimeoutMs: 300_000, keepAliveTimeoutMs: 5_000, writeTimeoutMs: 60_000 };

export interface HttpConnectionIo {
  /** false when the socket's buffer is full: the connection waits for onDrain(). */
  write(text: string): boolean;
  /** What the socket holds still unsent, in the units write() counts (see UNSENT_ANSWER_BYTES_MAX). */
  bufferedBytes(): number;
  /** Ends the connection once written bytes are flushed, and then calls onFlushed. */
  end(onFlushed: () => void): void;
  destroy(): void;
  pause(): void;
  resume(): void;
}

export interface HttpConnectionOptions {
  context: HttpContext;
  limits: RequestParserLimits;
  timeouts: HttpTimeouts;
  /** Milliseconds on a monotonic clock. */
  nowMs: () => number;
  logger: Logger;
  /** The client's address, for the log. */
  remote: string;
}

/** One answer in request order: text once known; close ends the connection after it. */
interface Slot {
  text: string | null;
  close: boolean;
  /** The request's body, held until the answer is written. */
  bodyBytes: number;
  /** GET or HEAD: may run alongside other reads, never alongside a write. */
  read: boolean;
  /** A request not yet handed to the API: it waits for the ones before it (see startWaiting). */
  waiting: { request: ParsedRequest; framing: ResponseFraming } | null;
}

export class HttpConnection {
  private readonly io: HttpConnectionIo;
  private readonly options: HttpConnectionOptions;
  private readonly parser: HttpRequestParser;
  private readonly keepAliveTimeoutS: number;
  private queue: Slot[] = [];
  private queuedBodyBytes = 0;
  /** A request that closes the connection was taken: nothing after it is read. */
  private lastRequestTaken = false;
  private ending = false;
  private peerEnded = false;
  private closed = false;
  private paused = false;
  /** Since when the socket's buffer has been full (the client is not reading); null when it is not. */
  private outputBlockedSinceMs: number | null = null;
  private answeredAny = false;
  /** The largest answer this connection has had; 0 before its first. */
  private largestAnswerBytes = 0;
  private requestStartedMs: number;
  private idleSinceMs: number;
  private endingSinceMs = 0;

  constructor(io: HttpConnectionIo, options: HttpConnectionOptions) {
    this.io = io;
    this.options = options;
    this.parser = new HttpRequestParser(options.limits);
    // Rounded down: a client told more than the real timeout may reuse a connection being dropped.
    this.keepAliveTimeoutS = Math.floor(options.timeouts.keepAliveTimeoutMs / 1000);
    this.requestStartedMs = this.idleSinceMs = options.nowMs();
  }

  onData(chunk: Buffer): void {
    if (this.lastRequestTaken || this.ending || this.closed) return; // never answered: the connection closes
    const wasBetweenRequests = this.parser.phase === 'between-requests';
    this.parser.push(chunk);
    if (wasBetweenRequests) this.requestStartedMs = this.options.nowMs();
    this.pump();
  }

  onDrain(): void {
    this.outputBlockedSinceMs = null;
    this.pump();
  }

  /** The client closed its sending side: answer what came, then close. */
  onPeerEnd(): void {
    this.peerEnded = true;
    this.pump();
  }

  onClose(): void {
    this.closed = true;
    this.queue = [];
    this.queuedBodyBytes = 0;
  }

  /** Answers not yet sent: in the socket's buffer, or done and waiting behind an earlier one. */
  unsentBytes(): number {
    let bytes = this.io.bufferedBytes();
    for (const slot of this.queue) if (slot.text !== null) bytes += slot.text.length;
    return bytes;
  }

  checkTimeouts(nowMs: number): void {
    if (this.closed) return;
    const timeouts = this.options.timeouts;
    if (this.outputBlockedSinceMs !== null) {
      if (nowMs - this.outputBlockedSinceMs > timeouts.writeTimeoutMs) {
        const fields = { remote: this.options.remote, unsentBytes: this.unsentBytes(), writeTimeoutMs: timeouts.writeTimeoutMs };
        this.options.logger.warn(fields, 'closed an HTTP connection whose client left its answers unread');
        this.io.destroy();
      }
      return;
    }
    if (this.ending) {
      if (nowMs - this.endingSinceMs > timeouts.keepAliveTimeoutMs) this.io.destroy();
      return;
    }
    if (this.paused || this.lastRequestTaken) return;
    const phase = this.parser.phase;
    if (phase === 'between-requests') {
      if (this.queue.length > 0) return;
      // A fresh connection gets as long for its first head as a started one.
      if (nowMs - this.idleSinceMs > (this.answeredAny ? timeouts.keepAliveTimeoutMs : timeouts.headersTimeoutMs)) this.io.destroy();
      return;
    }
    const elapsedMs = nowMs - this.requestStartedMs;
    if (phase === 'head' && elapsedMs > timeouts.headersTimeoutMs) {
      this.refuse({ status: 408, message: `request head not received within ${timeouts.headersTimeoutMs} ms` });
      this.pump();
    } else if (elapsedMs > timeouts.requestTimeoutMs) {
      this.refuse({ status: 408, message: `request not received within ${timeouts.requestTimeoutMs} ms` });
      this.pump();
    }
  }

  private pump(): void {
    if (this.closed) return;
    do {
      this.takeRequests();
      this.startWaiting();
    } while (this.flushReady() && !this.ending);
    if (this.ending || this.closed) return;
    if (this.queue.length === 0 && this.peerEnded) return this.endAfterPeer();
    this.updateFlow();
  }

  private takeRequests(): void {
    while (!this.lastRequestTaken && this.outputBlockedSinceMs === null && !this.queueFull()) {
      const event = this.parser.next();
      if (event === null) return;
      if (event.type === 'request') {
        this.enqueue(event.request);
        if (this.parser.phase !== 'between-requests') this.requestStartedMs = this.options.nowMs();
      } else if (event.type === 'continue') {
        this.queue.push({ text: CONTINUE_RESPONSE, close: false, bodyBytes: 0, read: false, waiting: null });
      } else {
        this.refuse(event.refusal);
      }
    }
  }

  private enqueue(request: ParsedRequest): void {
    const headOnly = request.method === 'HEAD';
    const framing: ResponseFraming = { headOnly, close: !request.keepAlive, http10: request.http10, keepAliveTimeoutS: this.keepAliveTimeoutS };
    const read = headOnly || request.method === 'GET';
    this.queue.push({ text: null, close: framing.close, bodyBytes: request.body.length, read, waiting: { request, framing } });
    this.queuedBodyBytes += request.body.length;
    if (framing.close) this.lastRequestTaken = true;
  }

  /**
   * Hands waiting requests to the API in request order, as far as the order of effect allows:
   * a read may not start while a write before it runs, nor a write while a read before it runs.
   * Writes overlap writes (the log keeps the order they are proposed in) and reads overlap reads.
   * None starts while the answers unsent and those of the running requests fill
   * UNSENT_ANSWER_BYTES_MAX; onDrain() and each answer look again.
   */
  private startWaiting(): void {
    let readsRunning = false;
    let writesRunning = false;
    let roomBytes: number | null = null; // worked out once a request waits
    for (const slot of this.queue) {
      const waiting = slot.waiting;
      if (waiting !== null) {
        if (slot.read ? writesRunning : readsRunning) return;
        roomBytes ??= this.answerRoomBytes();
        if (roomBytes <= 0) return;
        roomBytes -= this.expectedAnswerBytes();
        slot.waiting = null;
        this.run(slot, waiting.request, waiting.framing);
      }
      if (slot.text === null) {
        if (slot.read) readsRunning = true;
        else writesRunning = true;
      }
    }
  }

  /** What UNSENT_ANSWER_BYTES_MAX leaves once the answers unsent and those still to come are counted. */
  private answerRoomBytes(): number {
    let running = 0;
    for (const slot of this.queue) if (slot.text === null && slot.waiting === null) running++;
    return UNSENT_ANSWER_BYTES_MAX - this.unsentBytes() - running * this.expectedAnswerBytes();
  }

  /** Until a first answer shows how large they are, an answer is presumed to fill the allowance. */
  private expectedAnswerBytes(): number {
    return this.largestAnswerBytes === 0 ? UNSENT_ANSWER_BYTES_MAX : this.largestAnswerBytes;
  }

  private run(slot: Slot, request: ParsedRequest, framing: ResponseFraming): void {
    // HEAD is answered as GET would be, without the body (formatResponse drops it).
    const method = framing.headOnly ? 'GET' : request.method;
    handleHttp({ method, url: request.url, body: request.body }, this.options.context).then(
      (answer) => this.complete(slot, answer, framing),
      (error: unknown) => this.complete(slot, problem(500, `internal error: ${error instanceof Error ? error.message : String(error)}`), framing),
    );
  }

  private complete(slot: Slot, answer: HttpResponse, framing: ResponseFraming): void {
    slot.text = formatResponse(answer, framing);
    this.largestAnswerBytes = Math.max(this.largestAnswerBytes, slot.text.length);
    this.startWaiting();
    if (this.queue[0] === slot) this.pump();
  }

  /** Answers with an error, in order after the requests before it, then closes. */
  private refuse(refusal: Refusal): void {
    const answer = problem(refusal.status, refusal.message, refusal.extra);
    const text = formatResponse(answer, { headOnly: false, close: true, http10: false, keepAliveTimeoutS: this.keepAliveTimeoutS });
    this.queue.push({ text, close: true, bodyBytes: 0, read: false, waiting: null });
    this.lastRequestTaken = true;
  }

  /** Writes the answers that are ready at the head of the queue; true when any was written. */
  private flushReady(): boolean {
    let wrote = false;
    while (this.queue.length > 0) {
      const slot = this.queue[0] as Slot;
      if (slot.text === null) break;
      this.queue.shift();
      this.queuedBodyBytes -= slot.bodyBytes;
      wrote = true;
      this.answeredAny = true;
      if (!this.io.write(slot.text) && this.outputBlockedSinceMs === null) this.outputBlockedSinceMs = this.options.nowMs();
      if (slot.close) {
        this.beginEnding();
        break;
      }
    }
    // Idle from the last answer on: only a request ends it (see checkTimeouts).
    if (wrote && this.queue.length === 0) this.idleSinceMs = this.options.nowMs();
    return wrote;
  }

  private endAfterPeer(): void {
    // The client stopped sending in the middle of a request: tell it why nothing more comes.
    if (!this.lastRequestTaken && this.parser.phase !== 'between-requests') {
      this.refuse({ status: 400, message: 'the connection ended in the middle of a request' });
      this.flushReady();
      return;
    }
    this.beginEnding();
  }

  private beginEnding(): void {
    this.ending = true;
    this.endingSinceMs = this.options.nowMs();
    this.queue = [];
    this.queuedBodyBytes = 0;
    // The client's time to close starts once our last byte has left, not while it still reads.
    this.io.end(() => {
      this.outputBlockedSinceMs = null;
      this.endingSinceMs = this.options.nowMs();
    });
    // Read on (and discard) so the client's close is seen and a body it still sends is no error.
    if (this.paused) {
      this.paused = false;
      this.io.resume();
    }
  }

  private queueFull(): boolean {
    return this.queue.length >= QUEUED_REQUESTS_MAX || this.queuedBodyBytes >= QUEUED_BODY_BYTES_MAX;
  }

  private updateFlow(): void {
    const shouldPause = this.outputBlockedSinceMs !== null || this.queueFull();
    if (shouldPause === this.paused) return;
    this.paused = shouldPause;
    if (shouldPause) return this.io.pause();
    this.io.resume();
    // The client is not to blame for the time reading was paused.
    if (this.parser.phase !== 'between-requests') this.requestStartedMs = this.options.nowMs();
  }
}
