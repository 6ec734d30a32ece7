/**
 * Client sockets of a node that can be paused (see node_pause.ts). A stopped process's kernel
 * still accepts connections and buffers what clients send, but the process reads nothing and
 * writes nothing. So while the node is paused:
 * - every client socket stops reading, whatever its connection's own flow control wants;
 * - what the node writes (an answer that was already on its way, say from the leader a follower
 *   forwarded to) is corked, and an end() waits: all of it leaves on resume, in order;
 * - a connection that arrives is held, unread, and handed to its server on resume
 *   (a server would otherwise act on it, e.g. refuse it over its limit with a message).
 */
import type { Socket } from 'node:net';
import type { NodePause } from './node_pause.js';

/**
 * Connections one server holds while the node is paused, as a stopped process's listen backlog is
 * bounded (Linux's default somaxconn); past it, new ones are dropped rather than hold file
 * descriptors without bound.
 */
export const PAUSED_ACCEPTS_MAX = 4_096;

/** One client socket's reading and ending, as its connection asks and the node's pause allows. */
export class SocketGate {
  private readonly socket: Socket;
  private readonly pause: NodePause;
  private readingWanted = true;
  /** end() asked for while paused: its callback, run once the corked bytes have left. */
  private endWaiting: (() => void) | null = null;

  constructor(socket: Socket, pause: NodePause) {
    this.socket = socket;
    this.pause = pause;
    const stopListening = pause.listen({ paused: () => this.onPaused(), resumed: () => this.onResumed() });
    socket.once('close', stopListening);
    // Made while the node runs (PausedAccepts holds what comes while it is paused, and paused
    // those sockets): let it read.
    this.applyReading();
  }

  /** The connection's own flow control (backpressure): read only while it wants to and the node runs. */
  setReading(wanted: boolean): void {
    this.readingWanted = wanted;
    this.applyReading();
  }

  end(onFlushed: () => void = () => {}): void {
    if (!this.pause.paused) return void this.socket.end(onFlushed);
    const earlier = this.endWaiting;
    this.endWaiting = earlier === null ? onFlushed : () => (earlier(), onFlushed());
  }

  private onPaused(): void {
    this.socket.cork();
    this.applyReading();
  }

  private onResumed(): void {
    this.socket.uncork();
    this.applyReading();
    const onFlushed = this.endWaiting;
    this.endWaiting = null;
    if (onFlushed !== null) this.socket.end(onFlushed);
  }

  private applyReading(): void {
    if (this.readingWanted && !this.pause.paused) this.socket.resume();
    else this.socket.pause();
  }
}

/** Hands a server its new connections: at once while the node runs, on resume while it is paused. */
export class PausedAccepts {
  private readonly pause: NodePause;
  private readonly accept: (socket: Socket) => void;
  private readonly stopListening: () => void;
  private held: Socket[] = [];

  constructor(pause: NodePause, accept: (socket: Socket) => void) {
    this.pause = pause;
    this.accept = accept;
    this.stopListening = pause.listen({ paused: () => {}, resumed: () => this.release() });
  }

  offer(socket: Socket): void {
    if (!this.pause.paused) return this.accept(socket);
    if (this.held.length >= PAUSED_ACCEPTS_MAX) {
      socket.destroy();
      return;
    }
    socket.pause();
    socket.on('error', () => socket.destroy()); // a reset while held; the server's handler would do the same
    // A client that gives up while held frees its place.
    socket.once('close', () => (this.held = this.held.filter((held) => held !== socket)));
    this.held.push(socket);
  }

  /** The server is closing: held connections go with it. */
  close(): void {
    this.stopListening();
    for (const socket of this.held) socket.destroy();
    this.held = [];
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const socket of held) if (!socket.destroyed) this.accept(socket);
  }
}
