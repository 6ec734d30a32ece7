import { describe, it, expect } from 'vitest';
import {
  judgeHandshake,
  leaseSettingsMismatch,
  nextBackoffMs,
  RECONNECT_BACKOFF_INITIAL_MS,
  RECONNECT_BACKOFF_MAX_MS,
  peerRefusalLine,
  refusalLine,
  isSilentPeer,
  PEER_SILENCE_REDIAL_MS,
} from '../../src/transport/peer_protocol.js';
import { TEST_LEASE } from './meshes.js';
import { WIRE_VERSION } from '../../src/transport/codec.js';

describe('peer protocol rules', () => {
  it('backs off exponentially from the initial delay and never beyond the maximum', () => {
    const delays: number[] = [];
    let delay = 0;
    for (let i = 0; i < 12; i++) delays.push((delay = nextBackoffMs(delay)));
    expect(delays[0]).toBe(RECONNECT_BACKOFF_INITIAL_MS);
    expect(delays[1]).toBe(RECONNECT_BACKOFF_INITIAL_MS * 2);
    expect(Math.max(...delays)).toBe(RECONNECT_BACKOFF_MAX_MS);
    expect(delays.at(-1)).toBe(RECONNECT_BACKOFF_MAX_MS);
  });

  it('accepts only a hello from a known peer addressed to this node', () => {
    const peers = new Set([2, 3]);
    const hello = (from: number, to: number) => ({ kind: 'hello' as const, from, to, lease: TEST_LEASE, wireVersion: WIRE_VERSION });
    expect(judgeHandshake(hello(2, 1), 1, peers, TEST_LEASE)).toEqual({ ok: true, peer: 2 });
    // A misdialling kv-sim node speaks the protocol: it is told what is wrong, not what the port is for.
    expect(judgeHandshake(hello(1, 1), 1, peers, TEST_LEASE)).toMatchObject({ ok: false, peer: null, speaksPeerProtocol: true });
    expect(judgeHandshake(hello(4, 1), 1, peers, TEST_LEASE)).toEqual({
      ok: false,
      reason: 'node 4 is not a peer of node 1',
      peer: null,
      speaksPeerProtocol: true,
    });
    expect(judgeHandshake(hello(2, 3), 1, peers, TEST_LEASE)).toMatchObject({ reason: 'this is node 1, not node 3', speaksPeerProtocol: true });
    expect(judgeHandshake({ kind: 'batch', messages: [] }, 1, peers, TEST_LEASE).ok).toBe(false);
    expect(judgeHandshake({ type: 'decode-error', reason: 'bad-magic', detail: '' }, 1, peers, TEST_LEASE)).toEqual({
      ok: false,
      reason: 'not a peer handshake (bad-magic)',
      peer: null,
      speaksPeerProtocol: false,
    });
  });

  it('refuses a peer whose lease settings differ, naming both values of each difference', () => {
    const standard = { ...TEST_LEASE, tickIntervalMs: 20, electionTimeoutTicks: 50 };
    expect(judgeHandshake({ kind: 'hello', from: 2, to: 1, lease: standard, wireVersion: WIRE_VERSION }, 1, new Set([2]), TEST_LEASE)).toEqual({
      ok: false,
      peer: 2,
      speaksPeerProtocol: true,
      reason: 'lease settings differ (tick interval 20 ms at node 2, 10 ms at node 1; election timeout 50 ticks at node 2, 15 ticks at node 1): every node needs the same timing and read-lease',
    });
    const flags = { ...TEST_LEASE, heartbeatIntervalTicks: 3, checkQuorum: false, readLease: false };
    expect(leaseSettingsMismatch(flags, 3, TEST_LEASE, 1)).toBe(
      'lease settings differ (heartbeat 3 ticks at node 3, 5 ticks at node 1; check-quorum off at node 3, on at node 1; read-lease off at node 3, on at node 1): every node needs the same timing and read-lease',
    );
    expect(leaseSettingsMismatch({ ...TEST_LEASE }, 3, TEST_LEASE, 1)).toBeNull();
  });

  it('refuses by name a peer that speaks another wire version', () => {
    const verdict = judgeHandshake({ kind: 'hello', from: 2, to: 1, lease: TEST_LEASE, wireVersion: 1 }, 1, new Set([2]), TEST_LEASE);
    expect(verdict).toEqual({
      ok: false,
      peer: 2,
      speaksPeerProtocol: true,
      reason: `node 2 speaks peer protocol version 1, this node speaks ${WIRE_VERSION}; every node must run the same kv-sim version`,
    });
  });

  it("refuses the first release's hello, which carries no settings, by name", () => {
    const verdict = judgeHandshake({ kind: 'hello-without-settings', from: 2, to: 1 }, 1, new Set([2]), TEST_LEASE);
    expect(verdict).toMatchObject({ ok: false, peer: 2 });
    if (!verdict.ok) expect(verdict.reason).toMatch(/node 2 speaks an older peer protocol that does not send its lease settings/);
  });

  it('refuses in one RESP error line', () => {
    for (const line of [refusalLine('why'), peerRefusalLine('why')]) {
      expect(line.startsWith('-ERR ')).toBe(true);
      expect(line.indexOf('\r\n')).toBe(line.length - 2);
    }
  });

  it('tells a stranger the port speaks only the peer protocol, and a refused peer only what is wrong', () => {
    expect(refusalLine('not a peer handshake (bad-magic)')).toBe('-ERR kv-sim peer port: not a peer handshake (bad-magic); this port only speaks the kv-sim peer protocol\r\n');
    const mismatch = leaseSettingsMismatch({ ...TEST_LEASE, tickIntervalMs: 20 }, 2, TEST_LEASE, 1) ?? '';
    expect(peerRefusalLine(mismatch)).toBe(`-ERR kv-sim peer port: ${mismatch}\r\n`);
  });
});

describe('silent peers are redialled', () => {
  const opened = { openedAtMs: 0, lastSentMs: 0 };
  it('a connection we write to while the peer says nothing for too long is dropped', () => {
    const now = 10_000;
    expect(isSilentPeer(now, { ...opened, lastSentMs: now - 10 }, now - PEER_SILENCE_REDIAL_MS - 1)).toBe(true);
  });
  it('a peer that answers, a link we do not use, and a fresh connection are left alone', () => {
    const now = 10_000;
    expect(isSilentPeer(now, { ...opened, lastSentMs: now - 10 }, now - 100)).toBe(false);
    expect(isSilentPeer(now, { ...opened, lastSentMs: now - PEER_SILENCE_REDIAL_MS - 1 }, 0)).toBe(false);
    expect(isSilentPeer(now, { openedAtMs: now - 100, lastSentMs: now - 10 }, 0)).toBe(false);
  });
});
