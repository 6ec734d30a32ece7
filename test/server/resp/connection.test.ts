import { describe, expect, it } from 'vitest';
import { RespReplyParser, utf8, type RespValue } from '../../../src/lib/resp/index.js';
import { RespConnection } from '../../../src/server/resp/index.js';
import { show } from './raw_client.js';
import { StateMachineBackend } from './state_machine_backend.js';

/** A connection without a socket: records what it writes and whether it asked to pause or end. */
function harness() {
  const backend = new StateMachineBackend();
  const parser = new RespReplyParser();
  const replies: RespValue[] = [];
  const events: string[] = [];
  let notify = (): void => undefined;
  const connection = new RespConnection(1, { backend, connectedClients: () => 1 }, {
    write: (bytes) => {
      parser.push(bytes);
      for (let step = parser.next(); step.kind === 'value'; step = parser.next()) replies.push(step.value);
      notify();
    },
    end: () => events.push('end'),
    pause: () => events.push('pause'),
    resume: () => events.push('resume'),
  });
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
  return { backend, connection, replies, events, waitReplies };
}

describe('RespConnection', () => {
  it('pauses input when a pipeline overflows the queue and resumes once it drains', async () => {
    const h = harness();
    h.connection.onData(utf8('INCR n\r\n'.repeat(12_000)));
    expect(h.events).toEqual(['pause']);
    await h.waitReplies(12_000);
    expect(h.events).toEqual(['pause', 'resume']);
    expect(show(h.replies[11_999] as RespValue)).toBe(':12000');
    // 12,000 writes in batches of at most 1,000 commands.
    expect(h.backend.writeCalls).toBe(12);
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
