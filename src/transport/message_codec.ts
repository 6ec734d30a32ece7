/**
 * The layout of Raft messages inside a frame payload: a message count, then per message a type
 * byte, from, to, term and the type's own fields. Numbers are varints, booleans a flags byte,
 * entry data raw bytes behind a length. Pure and allocation-light: the encoder sizes the output
 * exactly first, then writes it in one pass.
 */
import { MESSAGE_TYPE_CODES, type Entry, type EntryKind, type Membership, type Message, type SnapshotMeta } from '../core/types.js';
import { unreachable } from '../lib/assert.js';
import { assertWireNumber, varintSize, WireFailure, type WireReader, type WireWriter } from './wire.js';

const TYPE_CODE_MAX = Math.max(...Object.values(MESSAGE_TYPE_CODES));

const KIND_CODES: Record<EntryKind, number> = { normal: 1, noop: 2, config: 3 };
const KIND_BY_CODE: readonly (EntryKind | undefined)[] = [undefined, 'normal', 'noop', 'config'];

/** Smallest encodings, used to bound counts read from the wire before any array grows. */
export const MESSAGE_BYTES_MIN = 4; // type, from, to, term
const ENTRY_BYTES_MIN = 4; // term, index, kind, data length

const FLAG_PRE = 1;
const FLAG_GRANTED = 2;
const FLAG_SUCCESS = 1;
const FLAG_DONE = 1;
const FLAG_INSTALLED = 1;

function n(value: number, field: string): number {
  assertWireNumber(value, field);
  return varintSize(value);
}

function entrySize(entry: Entry): number {
  return (
    n(entry.term, 'entry.term') + n(entry.index, 'entry.index') + 1 + varintSize(entry.data.length) + entry.data.length
  );
}

function idListSize(ids: readonly number[], field: string): number {
  let size = varintSize(ids.length);
  for (const id of ids) size += n(id, field);
  return size;
}

function snapshotMetaSize(meta: SnapshotMeta): number {
  return n(meta.index, 'meta.index') + n(meta.term, 'meta.term') + idListSize(meta.membership.voters, 'voter') + idListSize(meta.membership.learners, 'learner');
}

function writeIds(w: WireWriter, ids: readonly number[]): void {
  w.varint(ids.length);
  for (const id of ids) w.varint(id);
}

function readIds(r: WireReader, what: string): number[] {
  const count = r.count(what, 1);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(r.varint(what));
  return ids;
}

function readSnapshotMeta(r: WireReader): SnapshotMeta {
  const index = r.varint('meta.index');
  const term = r.varint('meta.term');
  const membership: Membership = { voters: readIds(r, 'voters'), learners: readIds(r, 'learners') };
  return { index, term, membership };
}

/** The exact encoded size of one message; also checks every number is encodable. */
export function messageSize(m: Message): number {
  const head = 1 + n(m.from, 'from') + n(m.to, 'to') + n(m.term, 'term');
  switch (m.type) {
    case 'vote':
      return head + 1 + n(m.lastLogIndex, 'lastLogIndex') + n(m.lastLogTerm, 'lastLogTerm');
    case 'vote-response':
      return head + 1;
    case 'append': {
      let size = head + n(m.prevLogIndex, 'prevLogIndex') + n(m.prevLogTerm, 'prevLogTerm') + n(m.commit, 'commit');
      size += varintSize(m.entries.length);
      for (const entry of m.entries) size += entrySize(entry);
      return size;
    }
    case 'append-response':
      return (
        head +
        1 +
        n(m.matchIndex, 'matchIndex') +
        n(m.rejectedIndex, 'rejectedIndex') +
        n(m.conflictIndex, 'conflictIndex') +
        n(m.conflictTerm, 'conflictTerm')
      );
    case 'heartbeat':
      return head + n(m.commit, 'commit') + n(m.readSeq, 'readSeq');
    case 'heartbeat-response':
      return head + n(m.readSeq, 'readSeq') + n(m.lastLogIndex, 'lastLogIndex') + n(m.lastLogTerm, 'lastLogTerm');
    case 'snapshot':
      return head + snapshotMetaSize(m.meta) + n(m.offset, 'offset') + n(m.totalBytes, 'totalBytes') + 1 + varintSize(m.chunk.length) + m.chunk.length;
    case 'snapshot-response':
      return head + n(m.snapshotIndex, 'snapshotIndex') + n(m.snapshotTerm, 'snapshotTerm') + n(m.nextOffset, 'nextOffset') + 1;
    default:
      return unreachable(m, 'message type');
  }
}

export function writeMessage(w: WireWriter, m: Message): void {
  w.byte(MESSAGE_TYPE_CODES[m.type]);
  w.varint(m.from);
  w.varint(m.to);
  w.varint(m.term);
  switch (m.type) {
    case 'vote':
      w.byte(m.pre ? FLAG_PRE : 0);
      w.varint(m.lastLogIndex);
      w.varint(m.lastLogTerm);
      return;
    case 'vote-response':
      w.byte((m.pre ? FLAG_PRE : 0) | (m.granted ? FLAG_GRANTED : 0));
      return;
    case 'append':
      w.varint(m.prevLogIndex);
      w.varint(m.prevLogTerm);
      w.varint(m.commit);
      w.varint(m.entries.length);
      for (const entry of m.entries) {
        w.varint(entry.term);
        w.varint(entry.index);
        w.byte(KIND_CODES[entry.kind]);
        w.varint(entry.data.length);
        w.raw(entry.data);
      }
      return;
    case 'append-response':
      w.byte(m.success ? FLAG_SUCCESS : 0);
      w.varint(m.matchIndex);
      w.varint(m.rejectedIndex);
      w.varint(m.conflictIndex);
      w.varint(m.conflictTerm);
      return;
    case 'heartbeat':
      w.varint(m.commit);
      w.varint(m.readSeq);
      return;
    case 'heartbeat-response':
      w.varint(m.readSeq);
      w.varint(m.lastLogIndex);
      w.varint(m.lastLogTerm);
      return;
    case 'snapshot':
      w.varint(m.meta.index);
      w.varint(m.meta.term);
      writeIds(w, m.meta.membership.voters);
      writeIds(w, m.meta.membership.learners);
      w.varint(m.offset);
      w.varint(m.totalBytes);
      w.byte(m.done ? FLAG_DONE : 0);
      w.varint(m.chunk.length);
      w.raw(m.chunk);
      return;
    case 'snapshot-response':
      w.varint(m.snapshotIndex);
      w.varint(m.snapshotTerm);
      w.varint(m.nextOffset);
      w.byte(m.installed ? FLAG_INSTALLED : 0);
      return;
    default:
      unreachable(m, 'message type');
  }
}

function flags(r: WireReader, allowed: number, what: string): number {
  const value = r.byte(what);
  if ((value & ~allowed) !== 0) throw new WireFailure('malformed', `${what} has unknown bits 0x${value.toString(16)}`);
  return value;
}

function readEntries(r: WireReader): Entry[] {
  const count = r.count('entry count', ENTRY_BYTES_MIN);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const term = r.varint('entry term');
    const index = r.varint('entry index');
    const kindCode = r.byte('entry kind');
    const kind = KIND_BY_CODE[kindCode];
    if (kind === undefined) throw new WireFailure('malformed', `unknown entry kind ${kindCode}`);
    entries.push({ term, index, kind, data: r.bytesField('entry data') });
  }
  return entries;
}

/** Reads one message; an unknown type code is reported separately so callers can say so. */
export function readMessage(r: WireReader): Message | { unknownType: number } {
  const code = r.byte('message type');
  if (code < 1 || code > TYPE_CODE_MAX) return { unknownType: code };
  const from = r.varint('from');
  const to = r.varint('to');
  const term = r.varint('term');
  switch (code) {
    case 1: {
      const f = flags(r, FLAG_PRE, 'vote flags');
      const lastLogIndex = r.varint('lastLogIndex');
      const lastLogTerm = r.varint('lastLogTerm');
      return { type: 'vote', from, to, term, pre: (f & FLAG_PRE) !== 0, lastLogIndex, lastLogTerm };
    }
    case 2: {
      const f = flags(r, FLAG_PRE | FLAG_GRANTED, 'vote-response flags');
      return { type: 'vote-response', from, to, term, pre: (f & FLAG_PRE) !== 0, granted: (f & FLAG_GRANTED) !== 0 };
    }
    case 3: {
      const prevLogIndex = r.varint('prevLogIndex');
      const prevLogTerm = r.varint('prevLogTerm');
      const commit = r.varint('commit');
      return { type: 'append', from, to, term, prevLogIndex, prevLogTerm, entries: readEntries(r), commit };
    }
    case 4: {
      const success = flags(r, FLAG_SUCCESS, 'append-response flags') !== 0;
      const matchIndex = r.varint('matchIndex');
      const rejectedIndex = r.varint('rejectedIndex');
      const conflictIndex = r.varint('conflictIndex');
      const conflictTerm = r.varint('conflictTerm');
      return { type: 'append-response', from, to, term, success, matchIndex, rejectedIndex, conflictIndex, conflictTerm };
    }
    case 5:
      return { type: 'heartbeat', from, to, term, commit: r.varint('commit'), readSeq: r.varint('readSeq') };
    case 6: {
      const readSeq = r.varint('readSeq');
      const lastLogIndex = r.varint('lastLogIndex');
      return { type: 'heartbeat-response', from, to, term, readSeq, lastLogIndex, lastLogTerm: r.varint('lastLogTerm') };
    }
    case 7: {
      const meta = readSnapshotMeta(r);
      const offset = r.varint('offset');
      const totalBytes = r.varint('totalBytes');
      const done = flags(r, FLAG_DONE, 'snapshot flags') !== 0;
      return { type: 'snapshot', from, to, term, meta, offset, totalBytes, done, chunk: r.bytesField('snapshot chunk') };
    }
    default: {
      const snapshotIndex = r.varint('snapshotIndex');
      const snapshotTerm = r.varint('snapshotTerm');
      const nextOffset = r.varint('nextOffset');
      const installed = flags(r, FLAG_INSTALLED, 'snapshot-response flags') !== 0;
      return { type: 'snapshot-response', from, to, term, snapshotIndex, snapshotTerm, nextOffset, installed };
    }
  }
}
