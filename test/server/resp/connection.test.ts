import { describe, expect, it } from 'vitest';
import { RespReplyParser, utf8, type RespValue } from '../../../src/lib/resp/index.js';
import type { RequestParserLimits } from '../../../src/lib/resp/request_parser.js';
import { RespConnection } from '../../../src/server/resp/index.js';
import { RESP_MAX_BATCH_BYTES, RESP_MAX_BATCH_COMMANDS, RESP_MAX_UNSENT_REPLY_BYTES } from '../../../src/server/resp/connection.js';
import { show } from './raw_client.js';
import type { KvCommand } from '../../../src/kv/commands.js';
import type { ProposalOutcome } from '../../../src/node/types.js';
import type { KvResultsOutcome } from '../../../src/server/resp/index.js';
import { StateMachineBackend } from './state_machine_backend.js';

/**
 * A connection without a socket: records what it writes and whether it asked to pause or end.
 * While `stalled`, written bytes count as unsent (a client not reading) until drain().
 */
function harness(backend = new StateMachineBackend(), limits: Partial<RequestParserLimits> = {}) {
  const parser = new RespReplyParser();
  const replies: RespValue[] = [];
  const events: string[] = [];
  const flow = { stalled: false, unsentBytes: 0 };
  let notify = (): void => undefined;
  const connection = new RespConnection(1, { backend, connectedClients: () => 1 }, {
    write: (bytes) => {
      if (flow.stalled) flow.unsentBytes += bytes.length;
      parser.push(bytes);
      for (let step = parser.next(); step.kind === 'value'; step = parser.next()) replies.push(step.value);
      notify();
    },
    unsentBytes: () => flow.unsentBytes,
    end: () => events.push('end'),
    pause: () => events.push('pause'),
    resume: () => events.push('resume'),
  }, limits);
  const waitReplies = (count: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${replies.length} of ${count} replies`)), 20_000);
      notify = () => {
        if (replies.length < count) return;
        clearTimeout(timer);
        resolve();
      };
      notify();
    });
  const drain = (): void => {
    flow.unsentBytes = 0;
    connection.onDrain();
  };
  return { backend, connection, replies, events, flow, drain, waitReplies };
}

describe('RespConnection', () => {
  it('pauses input when a pipeline overflows the queue and resumes once it drains', async () => {
    const h = harness();
    // 16 batches of 1,000 go in flight at once; the 14,000 left are past the queue's bound.
    h.connection.onData(utf8('INCR n\r\n'.repeat(30_000)));
    expect(h.events).toEqual(['pause']);
    expect(h.backend.writeCalls).toBe(16);
    await h.waitReplies(30_000);
    expect(h.events).toEqual(['pause', 'resume']);
    expect(show(h.replies[29_999] as RespValue)).toBe(':30000');
    // 30,000 writes in batches of at most 1,000 commands.
    expect(h.backend.writeCalls).toBe(30);
  });

  it('runs server commands between data commands in order', async () => {
    const h = harness();
    h.connection.onData(utf8('SET k 1\r\nCLIENT SESSION s1\r\nSEQ 1 INCR k\r\nHELLO 3\r\nGET nope\r\nSEQ 1 INCR k\r\n'));
    await h.waitReplies(6);
    expect(h.replies.map((r, i) => (i === 3 ? r.type : show(r)))).toEqual(['+OK', '+OK', ':2', 'map', 'nil', ':2']);
  });

  it('answers data-command errors in place without a backend call', async () => {
    const h = harness();
    h.connection.onData(utf8('GET\r\nINCRBY k x\r\nPING\r\n'));
    await h.waitReplies(3);
    expect(h.replies.map(show)).toEqual(["-ERR wrong number of arguments for 'get' command", '-ERR value is not an integer or out of range', '+PONG']);
    expect(h.backend.writeCalls + h.backend.readCalls).toBe(0);
  });

  it('fails every request of a batch with the node error when the node cannot serve it', async () => {
    const h = harness();
    h.backend.followerOf = 3;
    h.connection.onData(utf8('SET a 1\r\nGET a\r\nPING\r\n'));
    await h.waitReplies(3);
    expect(h.replies.map(show)).toEqual(['-NOTLEADER leader=3 addr=127.0.0.1:7003', '-NOTLEADER leader=3 addr=127.0.0.1:7003', '+PONG']);
  });
});

/** A backend whose calls the test answers by hand, in any order; writes apply in call order (the log's). */
class ManualBackend extends StateMachineBackend {
  readonly pending: Array<{ kind: 'write' | 'read'; finish: () => void }> = [];
  override write(proposal: Uint8Array): Promise<ProposalOutcome> {
    this.writeCalls++;
    const index = ++this.index;
    const result = this.machine.apply(proposal, index);
    return new Promise((resolve) => this.pending.push({ kind: 'write', finish: () => resolve({ ok: true, index, result }) }));
  }
  override read(commands: readonly KvCommand[]): Promise<KvResultsOutcome> {
    this.readCalls++;
    return new Promise((resolve) =>
      this.pending.push({ kind: 'read', finish: () => resolve({ ok: true, index: this.index, results: this.machine.queryCommands(commands) }) }),
    );
  }
}

function manualHarness() {
  const backend = new ManualBackend();
  const parser = new RespReplyParser();
  const replies: string[] = [];
  const connection = new RespConnection(1, { backend, connectedClients: () => 1 }, {
    write: (bytes) => {
      parser.push(bytes);
      for (let step = parser.next(); step.kind === 'value'; step = parser.next()) replies.push(show(step.value));
    },
    unsentBytes: () => 0,
    end: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
  });
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  return { backend, connection, replies, settle };
}

describe('RespConnection write pipelining', () => {
  it('proposes a write batch while the one before it is in flight, and answers in request order', async () => {
    const h = manualHarness();
    h.connection.onData(utf8('SET a 1\r\n'));
    h.connection.onData(utf8('SET a 2\r\n'));
    h.connection.onData(utf8('GET a\r\n'));
    expect([h.backend.writeCalls, h.backend.readCalls]).toEqual([2, 0]); // the read waits for both writes
    h.backend.pending[1]!.finish(); // the second write answers first...
    await h.settle();
    expect(h.replies).toEqual([]); // ...but its reply waits for the first one's
    h.backend.pending[0]!.finish();
    await h.settle();
    expect(h.replies).toEqual(['+OK', '+OK']);
    expect(h.backend.readCalls).toBe(1);
    h.backend.pending[2]!.finish();
    await h.settle();
    expect(h.replies).toEqual(['+OK', '+OK', '"2"']);
  });

  it('holds a write behind a read in flight, so the read cannot see it', async () => {
    const h = manualHarness();
    h.connection.onData(utf8('GET a\r\n'));
    h.connection.onData(utf8('SET a 3\r\n'));
    h.connection.onData(utf8('PING\r\n'));
    expect([h.backend.readCalls, h.backend.writeCalls]).toEqual([1, 0]);
    h.backend.pending[0]!.finish();
    await h.settle();
    expect(h.backend.writeCalls).toBe(1);
    h.backend.pending[1]!.finish();
    await h.settle();
    expect(h.replies).toEqual(['nil', '+OK', '+PONG']);
  });
});

describe('RespConnection and writes too large for a log entry', () => {
  it('refuses only the big write with -TOOLARGE: pipelined writes around it are proposed without it', async () => {
    const backend = new StateMachineBackend();
    backend.entryBytesMax = RESP_MAX_BATCH_BYTES;
    const h = harness(backend);
    const big = 'x'.repeat(RESP_MAX_BATCH_BYTES);
    h.connection.onData(utf8(`SET a 1\r\n*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${big.length}\r\n${big}\r\nSET b 2\r\nMGET a big b\r\n`));
    await h.waitReplies(4);
    const replies = h.replies.map(show);
    expect(replies[0]).toBe('+OK');
    expect(replies[1]).toMatch(/^-TOOLARGE the request's log entry would be \d+ bytes; one entry carries at most 4194304: split the write$/);
    expect(replies.slice(2)).toEqual(['+OK', '["1", nil, "2"]']);
  });

  it('refuses a request with an argument past maxKeptBulkBytes as it is read, in its place in the pipeline', async () => {
    const h = harness(new StateMachineBackend(), { maxKeptBulkBytes: 1_000 });
    const big = 'x'.repeat(5_000);
    h.connection.onData(utf8(`SET a 1\r\n*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${big.length}\r\n${big}\r\nSET b 2\r\nMGET a big b\r\n`));
    await h.waitReplies(4);
    expect(h.replies.map(show)).toEqual([
      '+OK',
      '-TOOLARGE an argument of 5000 bytes is more than one log entry carries (1000 bytes): split the write',
      '+OK',
      '["1", nil, "2"]',
    ]);
  });
});

describe('RespConnection and a client that does not read its replies', () => {
  it('starts no new batch while RESP_MAX_UNSENT_REPLY_BYTES of replies are unsent, and goes on as the client reads', async () => {
    const h = harness();
    const valueBytes = 8 * 1024;
    const reads = 3 * RESP_MAX_BATCH_COMMANDS;
    h.connection.onData(utf8(`SET v ${'x'.repeat(valueBytes)}\r\n`));
    await h.waitReplies(1);
    h.flow.stalled = true;
    h.connection.onData(utf8('GET v\r\n'.repeat(reads)));
    const settled = async (): Promise<number> => {
      for (let before = -1; before !== h.replies.length; ) {
        before = h.replies.length;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return h.replies.length;
    };
    // The client reads nothing: replies stop once the bound is unsent, well before the end.
    const stalledAt = await settled();
    expect(stalledAt).toBeLessThan(1 + reads / 2);
    expect(h.flow.unsentBytes).toBeGreaterThanOrEqual(RESP_MAX_UNSENT_REPLY_BYTES);
    // Each time the client catches up, more are answered; once it reads along, all of them.
    h.drain();
    expect(await settled()).toBeGreaterThan(stalledAt);
    h.flow.stalled = false;
    h.drain();
    await h.waitReplies(1 + reads);
    expect(h.replies).toHaveLength(1 + reads);
    expect(show(h.replies.at(-1) as RespValue)).toBe(`"${'x'.repeat(valueBytes)}"`);
  });
});

describe('RespConnection and reads the state machine defers', () => {
  it('answers a pipeline of big reads in order, over several batches, with the requests between them', async () => {
    const h = harness();
    const value = 'x'.repeat(1024 * 1024);
    h.connection.onData(utf8(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n${value}\r\n`));
    await h.waitReplies(1);
    expect(show(h.replies[0] as RespValue)).toBe('+OK');
    const reads = 'GET big\r\n'.repeat(10);
    h.connection.onData(utf8(`${reads}GET\r\n${reads}PING\r\nGET nope\r\n`));
    await h.waitReplies(1 + 23);
    const shown = h.replies.slice(1).map((reply) => (reply.type === 'bulk' ? `bulk ${reply.value.length}` : show(reply)));
    const big = Array.from({ length: 10 }, () => `bulk ${value.length}`);
    expect(shown).toEqual([...big, "-ERR wrong number of arguments for 'get' command", ...big, '+PONG', 'nil']);
    expect(h.backend.readCalls).toBeGreaterThanOrEqual(5); // 4 MiB of answers per query
  });
});
