import type { Entry, EntryKind, Membership, Message } from '../../src/core/types.js';
import type { Prng } from '../../src/lib/prng.js';

/** Numbers across every varint width, up to the largest safe integer. */
export function randomWireNumber(random: Prng): number {
  switch (random.int(0, 5)) {
    case 0:
      return random.int(0, 127);
    case 1:
      return random.int(0, 0x3fff);
    case 2:
      return random.nextUint32();
    case 3:
      return random.nextUint32() * 0x20_0000 + random.int(0, 0x1f_ffff); // up to 2^53 - 1
    case 4:
      return Number.MAX_SAFE_INTEGER;
    default:
      return random.int(0, 1_000_000);
  }
}

export function randomBytes(random: Prng, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(0, 255);
  return bytes;
}

function randomEntry(random: Prng): Entry {
  const kind: EntryKind = random.pick(['normal', 'noop', 'config'] as const);
  const length = random.chance(0.1) ? random.int(0, 5000) : random.int(0, 64);
  return { term: randomWireNumber(random), index: randomWireNumber(random), kind, data: randomBytes(random, length) };
}

/** A message of any type with every field drawn at random. */
export function randomMessage(random: Prng): Message {
  const base = { from: random.int(1, 9), to: random.int(1, 9), term: randomWireNumber(random) };
  const num = (): number => randomWireNumber(random);
  const bool = (): boolean => random.chance(0.5);
  switch (random.int(0, 7)) {
    case 0:
      return { ...base, type: 'vote', pre: bool(), lastLogIndex: num(), lastLogTerm: num() };
    case 1:
      return { ...base, type: 'vote-response', pre: bool(), granted: bool() };
    case 2: {
      const entries = Array.from({ length: random.int(0, 8) }, () => randomEntry(random));
      return { ...base, type: 'append', prevLogIndex: num(), prevLogTerm: num(), entries, commit: num() };
    }
    case 3:
      return {
        ...base,
        type: 'append-response',
        success: bool(),
        matchIndex: num(),
        rejectedIndex: num(),
        conflictIndex: num(),
        conflictTerm: num(),
      };
    case 4:
      return { ...base, type: 'heartbeat', commit: num(), readSeq: num() };
    case 5:
      return { ...base, type: 'heartbeat-response', readSeq: num(), lastLogIndex: num(), lastLogTerm: num() };
    case 6: {
      // Chunks from empty to a few KiB, sometimes large; meta with any membership shape.
      const length = random.chance(0.05) ? random.int(0, 70_000) : random.int(0, 4096);
      const meta = { index: num(), term: num(), membership: randomMembership(random) };
      return { ...base, type: 'snapshot', meta, offset: num(), totalBytes: num(), chunk: randomBytes(random, length), done: bool() };
    }
    default:
      return {
        ...base,
        type: 'snapshot-response',
        snapshotIndex: num(),
        snapshotTerm: num(),
        nextOffset: num(),
        installed: bool(),
      };
  }
}

function randomMembership(random: Prng): Membership {
  const ids = (): number[] => Array.from({ length: random.int(0, 9) }, () => random.int(1, 1_000_000));
  return { voters: ids(), learners: ids() };
}

/** A seed from SEED in the environment (to replay a failure), else a fresh one. */
export function testSeed(): number {
  const fromEnv = process.env['SEED'];
  return fromEnv !== undefined ? Number(fromEnv) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

/**
 * Messages with entry payloads replaced by base64 text: comparing large Uint8Arrays with toEqual
 * is slow (element by element), comparing strings is not.
 */
export function comparable(messages: readonly Message[]): unknown[] {
  return messages.map((m) => {
    if (m.type === 'append') return { ...m, entries: m.entries.map((e) => ({ ...e, data: Buffer.from(e.data).toString('base64') })) };
    if (m.type === 'snapshot') return { ...m, chunk: Buffer.from(m.chunk).toString('base64') };
    return m;
  });
}
