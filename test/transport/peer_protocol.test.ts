import { describe, it, expect } from 'vitest';
import {
  judgeHandshake,
  nextBackoffMs,
  RECONNECT_BACKOFF_INITIAL_MS,
  RECONNECT_BACKOFF_MAX_MS,
  refusalLine,
  isSilentPeer,
  PEER_SILENCE_REDIAL_MS,
} from '../../src/transport/peer_protocol.js';

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
    expect(judgeHandshake({ kind: 'hello', from: 2, to: 1 }, 1, peers)).toEqual({ ok: true, peer: 2 });
    expect(judgeHandshake({ kind: 'hello', from: 1, to: 1 }, 1, peers).ok).toBe(false);
    expect(judgeHandshake({ kind: 'batch', messages: [] }, 1, peers).ok).toBe(false);
    expect(judgeHandshake({ type: 'decode-error', reason: 'bad-magic', detail: '' }, 1, peers)).toEqual({
      ok: false,
      reason: 'not a peer handshake (bad-magic)',
    });
  });

  it('refuses in one RESP error line', () => {
    const line = refusalLine('why');
    expect(line.startsWith('-ERR ')).toBe(true);
    expect(line.indexOf('\r\n')).toBe(line.length - 2);
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
