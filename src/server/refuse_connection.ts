/**
 * Ends a client connection a server will not take (over its connection limit) with one last
 * message. What the client sends meanwhile is read and dropped, so its close, not a reset that
 * could discard the message before it is read, ends the connection; a client that never closes
 * is cut off after REFUSED_LINGER_MS.
 */
import type { Socket } from 'node:net';

/** How long a refused connection may linger to flush its message and see the client's close. */
const REFUSED_LINGER_MS = 1_000;

export function refuseConnection(socket: Socket, lastWords: string): void {
  socket.on('error', () => socket.destroy());
  socket.on('data', () => {});
  socket.on('end', () => socket.destroy());
  socket.end(lastWords);
  const linger = setTimeout(() => socket.destroy(), REFUSED_LINGER_MS);
  socket.on('close', () => clearTimeout(linger));
}
