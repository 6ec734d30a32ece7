/**
 * The pure rules of the TCP peer protocol, kept apart from the sockets so they are easy to test:
 * who may open a peer connection, what a refused caller is told, how long to wait before redialing.
 *
 * A peer connection carries one direction of traffic: the dialer writes a hello frame naming
 * itself and the node it meant to reach, then batches; the acceptor only reads. Each pair of nodes
 * therefore has two connections, which avoids any "who dials whom" race on reconnect.
 */
import type { NodeId } from '../core/types.js';
import { WIRE_VERSION, type DecodeError, type Frame } from './codec.js';

/** First redial delay after a connection fails or drops; doubles up to the maximum. */
export const RECONNECT_BACKOFF_INITIAL_MS = 50;
export const RECONNECT_BACKOFF_MAX_MS = 2_000;
/** A dial that has not connected by then is abandoned (then retried with backoff). */
export const CONNECT_TIMEOUT_MS = 3_000;
/** An accepted connection must identify itself within this time or it is refused. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/**
 * Bytes a connection may send before it has identified itself. A hello frame is under twenty
 * bytes; without this bound a stranger could make us buffer a whole maximum-size frame.
 */
export const HANDSHAKE_BYTES_MAX = 64;
/** Frames kept for a peer while its connection is being set up; beyond it they are dropped. */
export const OUTBOX_BYTES_MAX = 8 * 1024 * 1024;
/** Bytes queued in a socket a slow peer has not read yet; beyond it new frames are dropped. */
export const SOCKET_BACKLOG_BYTES_MAX = 32 * 1024 * 1024;
/** How long a refused connection may linger to flush the refusal line before it is destroyed. */
export const REFUSAL_LINGER_MS = 1_000;
/** How much of a refusal line the dialer logs (a settings mismatch names several values). */
export const REFUSAL_LINE_BYTES_MAX = 1_024;

/**
 * A connection we keep writing to while its peer has sent us nothing for this long is presumed
 * dead (a cable pulled, a host cut off: TCP only notices after its retransmission backoff, seconds
 * later) and is dialled afresh. Raft traffic flows both ways every heartbeat, so a live peer
 * is never silent this long while we write to it.
 */
export const PEER_SILENCE_REDIAL_MS = 2_000;
/** How often open connections are checked for a silent peer. */
export const PEER_SILENCE_CHECK_MS = 500;

/** Whether an open connection should be dropped and redialled (see PEER_SILENCE_REDIAL_MS). */
export function isSilentPeer(nowMs: number, link: { openedAtMs: number; lastSentMs: number }, lastHeardMs: number): boolean {
  const heardMs = Math.max(lastHeardMs, link.openedAtMs);
  return nowMs - link.lastSentMs < PEER_SILENCE_REDIAL_MS && nowMs - heardMs > PEER_SILENCE_REDIAL_MS;
}

export function nextBackoffMs(currentMs: number): number {
  return Math.min(RECONNECT_BACKOFF_MAX_MS, Math.max(RECONNECT_BACKOFF_INITIAL_MS, currentMs * 2));
}

/**
 * The one line a refused caller that is no kv-sim peer reads. It starts with "-ERR" so a Redis
 * client that dialled the peer port by mistake shows it as an ordinary error reply instead of
 * hanging.
 */
export function refusalLine(reason: string): string {
  return `-ERR kv-sim peer port: ${reason}; this port only speaks the kv-sim peer protocol\r\n`;
}

/**
 * The line a known peer reads when it is refused for its settings or protocol version: only what
 * is wrong (the reason names both sides' values), since it does speak the peer protocol.
 */
export function peerRefusalLine(reason: string): string {
  return `-ERR kv-sim peer port: ${reason}\r\n`;
}

/** Why an address cannot be listened on or dialled, or null when it is fine. */
export function addressProblem(address: { host: unknown; port: unknown }, listening: boolean): string | null {
  if (typeof address.host !== 'string') return `host must be a string, got ${typeof address.host}`;
  const port = address.port;
  const lowest = listening ? 0 : 1;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < lowest || port > 65_535) {
    return `port must be an integer in [${lowest}, 65535], got ${String(port)}`;
  }
  return null;
}

/**
 * The settings lease reads are safe under only if every node shares them, carried in the hello.
 * A leader serves reads without a quorum round for a while after a quorum heard from it, trusting
 * that no follower votes for another candidate within an election timeout (ticks x tick length)
 * of hearing from it, nor within one of (re)starting (check-quorum). A follower with a shorter
 * timeout, or without check-quorum, could elect a new leader while the old one still serves
 * stale reads. Heartbeat ticks and read-lease are compared too: mixed values are a deployment
 * mistake (one cluster, one timing), and today's rule that every check-quorum node keeps its vote
 * window whatever its own read-lease setting should not be the only thing between a mixed cluster
 * and a stale read.
 *
 * A mismatch refuses the link (both ways, as both nodes judge the other's hello) and is logged
 * and reported in status; it does not stop either node. A node cannot tell which side is wrong,
 * and stopping would let one misconfigured newcomer take down a healthy majority; refused links
 * leave the minority that disagrees unable to win or back an election, which is all safety needs.
 */
export interface LeaseSettings {
  tickIntervalMs: number;
  electionTimeoutTicks: number;
  heartbeatIntervalTicks: number;
  checkQuorum: boolean;
  readLease: boolean;
}

/** Why a peer with settings `theirs` may not link with this node's `ours`, or null when they agree. */
export function leaseSettingsMismatch(theirs: LeaseSettings, them: NodeId, ours: LeaseSettings, us: NodeId): string | null {
  const onOff = (value: boolean): string => (value ? 'on' : 'off');
  const fields = [
    ['tick interval', `${theirs.tickIntervalMs} ms`, `${ours.tickIntervalMs} ms`],
    ['election timeout', `${theirs.electionTimeoutTicks} ticks`, `${ours.electionTimeoutTicks} ticks`],
    ['heartbeat', `${theirs.heartbeatIntervalTicks} ticks`, `${ours.heartbeatIntervalTicks} ticks`],
    ['check-quorum', onOff(theirs.checkQuorum), onOff(ours.checkQuorum)],
    ['read-lease', onOff(theirs.readLease), onOff(ours.readLease)],
  ];
  const differences = fields.filter(([, their, our]) => their !== our).map(([name, their, our]) => `${name} ${their} at node ${them}, ${our} at node ${us}`);
  if (differences.length === 0) return null;
  return `lease settings differ (${differences.join('; ')}): every node needs the same timing and read-lease`;
}

/**
 * A refusal names `peer` when a known peer called the right node but its settings or wire format
 * disagree: a state of the cluster worth reporting, unlike a misdial. `speaksPeerProtocol` is false
 * for a caller that sent no hello at all (a stray client), which is told what the port is for.
 */
export type HandshakeVerdict =
  | { ok: true; peer: NodeId }
  | { ok: false; reason: string; peer: NodeId | null; speaksPeerProtocol: boolean };

/** Judges the first frame of an accepted connection (or the decode error that came instead). */
export function judgeHandshake(
  first: Frame | DecodeError,
  self: NodeId,
  knownPeers: ReadonlySet<NodeId>,
  lease: LeaseSettings,
): HandshakeVerdict {
  const refused = (reason: string, peer: NodeId | null = null): HandshakeVerdict => ({ ok: false, reason, peer, speaksPeerProtocol: true });
  if ('type' in first) return { ok: false, reason: `not a peer handshake (${first.reason})`, peer: null, speaksPeerProtocol: false };
  if (first.kind === 'batch') return refused('expected a hello frame first');
  if (first.to !== self) return refused(`this is node ${self}, not node ${first.to}`);
  if (first.from === self || !knownPeers.has(first.from)) return refused(`node ${first.from} is not a peer of node ${self}`);
  if (first.kind === 'hello-without-settings') {
    return refused(`node ${first.from} speaks an older peer protocol that does not send its lease settings; every node must run the same kv-sim version`, first.from);
  }
  if (first.wireVersion !== WIRE_VERSION) {
    return refused(`node ${first.from} speaks peer protocol version ${first.wireVersion}, this node speaks ${WIRE_VERSION}; every node must run the same kv-sim version`, first.from);
  }
  const mismatch = leaseSettingsMismatch(first.lease, first.from, lease, self);
  if (mismatch !== null) return refused(mismatch, first.from);
  return { ok: true, peer: first.from };
}
