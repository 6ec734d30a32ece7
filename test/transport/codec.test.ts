import { describe, it, expect } from 'vitest';
import type { Message } from '../../src/core/types.js';
import { Prng } from '../../src/lib/prng.js';
import {
  decodeFrame,
  encodeFrame,
  encodeFrames,
  encodeHello,
  ENTRY_DATA_BYTES_MAX,
  FRAME_HEADER_BYTES,
  FRAME_PAYLOAD_BYTES_MAX,
  FrameDecoder,
  WIRE_VERSION,
  type Frame,
} from '../../src/transport/codec.js';
import { TEST_LEASE } from './meshes.js';
import { comparable, randomBytes, randomMessage, testSeed } from './message_gen.js';

const append: Message = {
  type: 'append',
  from: 1,
  to: 2,
  term: 7,
  prevLogIndex: 41,
  prevLogTerm: 6,
  commit: 40,
  entries: [
    { term: 7, index: 42, kind: 'normal', data: new TextEncoder().encode('SET a 1') },
    { term: 7, index: 43, kind: 'noop', data: new Uint8Array(0) },
  ],
};

/** Feeds bytes to a fresh decoder in chunks of the given sizes (the last chunk takes the rest). */
function decodeInChunks(bytes: Uint8Array, cuts: number[]): { frames: Frame[]; error: unknown } {
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  let offset = 0;
  for (const cut of [...cuts, bytes.length]) {
    const end = Math.min(bytes.length, offset + cut);
    const out = decoder.push(bytes.subarray(offset, end));
    frames.push(...out.frames);
    if (out.error !== null) return { frames, error: out.error };
    offset = end;
  }
  return { frames, error: decoder.end() };
}

describe('codec round trips', () => {
  it('encodes a batch as one frame and decodes it back exactly', () => {
    const batch: Message[] = [
      { type: 'vote', from: 1, to: 2, term: 3, pre: true, lastLogIndex: 10, lastLogTerm: 2 },
      { type: 'vote-response', from: 2, to: 1, term: 3, pre: false, granted: true },
      append,
      { type: 'append-response', from: 2, to: 1, term: 7, success: false, matchIndex: 0, rejectedIndex: 41, conflictIndex: 30, conflictTerm: 5 },
      { type: 'heartbeat', from: 1, to: 3, term: 7, commit: 43, readSeq: 9 },
      { type: 'heartbeat-response', from: 3, to: 1, term: 7, readSeq: 9, lastLogIndex: 43, lastLogTerm: 6 },
    ];
    const result = decodeFrame(encodeFrame(batch));
    expect(result).toEqual({ ok: true, frame: { kind: 'batch', messages: batch } });
  });

  it('carries numbers up to 2^53 - 1 and a 1 MiB entry', () => {
    const big = randomBytes(new Prng(5), 1 << 20);
    const message: Message = { ...append, term: Number.MAX_SAFE_INTEGER, commit: 2 ** 40 + 3, entries: [{ term: 1, index: 2, kind: 'config', data: big }] };
    const result = decodeFrame(encodeFrame([message]));
    if (!result.ok || result.frame.kind !== 'batch') throw new Error('expected a batch');
    expect(comparable(result.frame.messages)).toEqual(comparable([message]));
  });

  it('decodes the hello frame with its lease settings', () => {
    expect(decodeFrame(encodeHello(3, 1, TEST_LEASE))).toEqual({ ok: true, frame: { kind: 'hello', from: 3, to: 1, lease: TEST_LEASE, wireVersion: WIRE_VERSION } });
    const other = { tickIntervalMs: 20, electionTimeoutTicks: 50, heartbeatIntervalTicks: 5, checkQuorum: false, readLease: false };
    expect(decodeFrame(encodeHello(300, 2 ** 40, other))).toEqual({ ok: true, frame: { kind: 'hello', from: 300, to: 2 ** 40, lease: other, wireVersion: WIRE_VERSION } });
  });

  it("decodes an earlier version's hello (to refuse its node by name) but none of its batches", () => {
    const previousRelease = encodeHello(3, 1, TEST_LEASE);
    previousRelease[2] = 1;
    expect(decodeFrame(previousRelease)).toEqual({ ok: true, frame: { kind: 'hello', from: 3, to: 1, lease: TEST_LEASE, wireVersion: 1 } });
    const batch = encodeFrame([]);
    batch[2] = 1;
    expect(decodeFrame(batch)).toMatchObject({ ok: false, error: { reason: 'bad-version', detail: `wire version 1, this node speaks ${WIRE_VERSION}` } });
    const future = encodeHello(3, 1, TEST_LEASE);
    future[2] = WIRE_VERSION + 1;
    expect(new FrameDecoder().push(future).error).toMatchObject({ reason: 'bad-version' });
  });

  it("recognises the first release's hello, which carries no settings, instead of misreading it", () => {
    const firstRelease = new Uint8Array([0x6b, 0x76, 1, 2, 0, 0, 0, 2, 3, 1]);
    expect(decodeFrame(firstRelease)).toEqual({ ok: true, frame: { kind: 'hello-without-settings', from: 3, to: 1 } });
  });

  it('refuses a hello with unknown flags or without its settings', () => {
    const hello = encodeHello(3, 1, TEST_LEASE);
    const flagged = hello.slice();
    flagged[flagged.length - 1] = 0x07;
    expect(decodeFrame(flagged)).toMatchObject({ ok: false, error: { reason: 'malformed', detail: 'unknown hello flags 0x7' } });
    const short = hello.slice(0, hello.length - 1);
    short[7] = (short[7] as number) - 1;
    expect(decodeFrame(short)).toMatchObject({ ok: false, error: { reason: 'truncated' } });
  });

  it('hands back payloads as plain Uint8Arrays that do not alias the input', () => {
    const bytes = encodeFrame([append]);
    const { frames } = decodeInChunks(Buffer.from(bytes), []);
    const frame = frames[0];
    if (frame?.kind !== 'batch' || frame.messages[0]?.type !== 'append') throw new Error('expected an append');
    const data = frame.messages[0].entries[0]?.data;
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype);
    bytes.fill(0);
    expect(new TextDecoder().decode(data)).toBe('SET a 1');
  });

  it('adopts a frame handed over for good: entry data are views into it, not copies', () => {
    const frame = encodeFrame([append]);
    const result = decodeFrame(frame, true);
    if (!result.ok || result.frame.kind !== 'batch' || result.frame.messages[0]?.type !== 'append') throw new Error('expected an append');
    const data = result.frame.messages[0].entries[0]?.data;
    expect(data?.buffer).toBe(frame.buffer);
    expect(new TextDecoder().decode(data)).toBe('SET a 1');
  });

  it('sends an entry of ENTRY_DATA_BYTES_MAX in one frame, whatever the numbers around it', () => {
    const huge = Number.MAX_SAFE_INTEGER;
    const withData = (bytes: number): Message => ({
      type: 'append', from: huge, to: huge, term: huge, prevLogIndex: huge, prevLogTerm: huge, commit: huge,
      entries: [{ term: huge, index: huge, kind: 'normal', data: new Uint8Array(bytes) }],
    });
    const fits = encodeFrames([withData(ENTRY_DATA_BYTES_MAX)]);
    expect(fits.oversized).toHaveLength(0);
    expect(fits.frames).toHaveLength(1);
    // The allowance is not absurdly loose either: a frame's worth of data does not fit.
    expect(encodeFrames([withData(FRAME_PAYLOAD_BYTES_MAX)]).oversized).toHaveLength(1);
  });

  it('keeps one frame per batch under the size limit', () => {
    expect(encodeFrames([append, append]).frames).toHaveLength(1);
    expect(encodeFrames([]).frames).toHaveLength(0);
  });

  it('property: random batches cut into random chunks decode to the same messages', () => {
    const seed = testSeed();
    console.log(`codec round-trip seed=${seed} (replay: SEED=${seed} npx vitest run test/transport/codec.test.ts)`);
    const random = new Prng(seed);
    for (let round = 0; round < 300; round++) {
      const batches = Array.from({ length: random.int(1, 4) }, () =>
        Array.from({ length: random.int(0, 12) }, () => randomMessage(random)),
      );
      const frames = batches.map((batch) => encodeFrame(batch));
      const stream = new Uint8Array(frames.reduce((sum, f) => sum + f.length, 0));
      let offset = 0;
      for (const f of frames) {
        stream.set(f, offset);
        offset += f.length;
      }
      const cuts = Array.from({ length: random.int(0, 20) }, () => random.int(0, 200));
      const decoded = decodeInChunks(stream, cuts);
      expect(decoded.error, `seed ${seed} round ${round}`).toBeNull();
      const got = decoded.frames.map((f) => (f.kind === 'batch' ? comparable(f.messages) : f));
      expect(got, `seed ${seed} round ${round}`).toEqual(batches.map(comparable));
    }
  });
});

describe('codec on bad input', () => {
  it('refuses a Redis client typing PING at the first byte', () => {
    const out = new FrameDecoder().push(new TextEncoder().encode('PING\r\n'));
    expect(out.frames).toEqual([]);
    expect(out.error?.reason).toBe('bad-magic');
  });

  it('refuses an absurd length before allocating anything', () => {
    const header = encodeFrame([]).slice(0, FRAME_HEADER_BYTES);
    new DataView(header.buffer).setUint32(4, 0xffff_ffff);
    const decoder = new FrameDecoder();
    const out = decoder.push(header);
    expect(out.error?.reason).toBe('frame-too-large');
    expect(out.error?.detail).toContain(String(FRAME_PAYLOAD_BYTES_MAX));
  });

  it('buffers only the bytes received for a large frame in progress', () => {
    const header = encodeFrame([]).slice(0, FRAME_HEADER_BYTES);
    new DataView(header.buffer).setUint32(4, FRAME_PAYLOAD_BYTES_MAX);
    const decoder = new FrameDecoder();
    expect(decoder.push(header).error).toBeNull();
    expect(decoder.push(new Uint8Array(10)).error).toBeNull();
    expect(decoder.bufferedBytes).toBe(10);
    expect(decoder.end()?.reason).toBe('truncated');
  });

  it('reports a wrong version, unknown frame kind, unknown message type, stray bytes and truncation', () => {
    const frame = encodeFrame([{ type: 'heartbeat', from: 1, to: 2, term: 1, commit: 0, readSeq: 0 }]);
    const mutate = (at: number, value: number): Uint8Array => {
      const copy = frame.slice();
      copy[at] = value;
      return copy;
    };
    const reason = (bytes: Uint8Array): string | undefined => {
      const result = decodeFrame(bytes);
      return result.ok ? undefined : result.error.reason;
    };
    expect(reason(mutate(2, 9))).toBe('bad-version');
    expect(reason(mutate(3, 77))).toBe('unknown-frame-kind');
    expect(reason(mutate(FRAME_HEADER_BYTES + 1, 99))).toBe('unknown-message-type');
    expect(reason(frame.subarray(0, frame.length - 1))).toBe('truncated');
    expect(reason(new Uint8Array([...frame, 0]))).toBe('malformed');
    const longer = frame.slice();
    longer[7] = (longer[7] as number) + 1; // header claims one byte more than the payload has
    expect(reason(new Uint8Array([...longer, 0]))).toBe('malformed');
  });

  it('property: random garbage and corrupted frames never throw out of the decoder', () => {
    const seed = testSeed();
    console.log(`codec garbage seed=${seed} (replay: SEED=${seed} npx vitest run test/transport/codec.test.ts)`);
    const random = new Prng(seed);
    for (let round = 0; round < 2000; round++) {
      let bytes: Uint8Array;
      if (random.chance(0.3)) {
        bytes = randomBytes(random, random.int(0, 300));
      } else {
        bytes = encodeFrame(Array.from({ length: random.int(1, 4) }, () => randomMessage(random)));
        const flips = random.int(1, 4);
        for (let i = 0; i < flips; i++) bytes[random.int(0, bytes.length - 1)] = random.int(0, 255);
        if (random.chance(0.3)) bytes = bytes.subarray(0, random.int(0, bytes.length));
      }
      const cuts = Array.from({ length: random.int(0, 6) }, () => random.int(1, 64));
      expect(() => decodeInChunks(bytes, cuts), `seed ${seed} round ${round}`).not.toThrow();
      expect(() => decodeFrame(bytes), `seed ${seed} round ${round}`).not.toThrow();
    }
  });

  it('stays failed after an error instead of resynchronising on garbage', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(new Uint8Array([1, 2, 3])).error?.reason).toBe('bad-magic');
    expect(decoder.push(encodeFrame([])).error?.reason).toBe('bad-magic');
  });
});
