import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Prng } from '../../src/lib/prng.js';
import { LinkRules, type LinkRulesState } from '../../src/transport/link_rules.js';
import type { WorkerCommand, WorkerReply } from './fixtures/channel_worker_main.js';

const MEMBERS = [1, 2, 3];
const DEADLINE_MS = 20_000;
const workers = new Map<number, Worker>();

function worker(id: number): Worker {
  const w = workers.get(id);
  if (w === undefined) throw new Error(`no worker ${id}`);
  return w;
}

/** Sends a command and waits for the reply of the given kind, within the deadline. */
function ask<K extends WorkerReply['kind']>(id: number, command: WorkerCommand | null, kind: K): Promise<Extract<WorkerReply, { kind: K }>> {
  const w = worker(id);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      w.off('message', onMessage);
      reject(new Error(`worker ${id} did not answer '${kind}' within ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    const onMessage = (reply: WorkerReply): void => {
      if (reply.kind !== kind) return;
      clearTimeout(timer);
      w.off('message', onMessage);
      resolve(reply as Extract<WorkerReply, { kind: K }>);
    };
    w.on('message', onMessage);
    if (command !== null) w.postMessage(command);
  });
}

/** Asks node `id` what it received until `done` holds, within the deadline. */
async function receivedUntil(id: number, done: (received: Array<[number, number]>) => boolean): Promise<Array<[number, number]>> {
  const end = performance.now() + DEADLINE_MS;
  for (;;) {
    const { received } = await ask(id, { kind: 'report' }, 'report');
    if (done(received)) return received;
    if (performance.now() > end) throw new Error(`node ${id} did not receive the expected messages: ${JSON.stringify(received.slice(-5))}`);
  }
}

async function pushRules(ids: number[], configure: (rules: LinkRules) => void): Promise<void> {
  const rules = new LinkRules(MEMBERS, new Prng(1));
  configure(rules);
  const state: LinkRulesState = rules.state();
  await Promise.all(ids.map((id) => ask(id, { kind: 'rules', state }, 'rules-set')));
}

beforeAll(async () => {
  const ports = new Map<number, Array<[number, MessagePort]>>(MEMBERS.map((id) => [id, []]));
  for (const a of MEMBERS) {
    for (const b of MEMBERS) {
      if (a >= b) continue;
      const { port1, port2 } = new MessageChannel();
      ports.get(a)?.push([b, port1]);
      ports.get(b)?.push([a, port2]);
    }
  }
  const ready: Promise<unknown>[] = [];
  for (const id of MEMBERS) {
    const peers = ports.get(id) ?? [];
    const w = new Worker(new URL('./fixtures/channel_worker.mjs', import.meta.url), {
      workerData: { self: id, peers },
      transferList: peers.map(([, port]) => port),
    });
    workers.set(id, w);
    ready.push(ask(id, null, 'ready'));
  }
  await Promise.all(ready);
});

afterAll(async () => {
  await Promise.all([...workers.values()].map((w) => w.terminate()));
});

describe('ChannelTransport between real worker threads', () => {
  it('carries batches worker to worker, in order', async () => {
    for (let batch = 0; batch < 10; batch++) {
      worker(1).postMessage({ kind: 'send', to: 2, seqs: Array.from({ length: 100 }, (_, i) => batch * 100 + i) } satisfies WorkerCommand);
    }
    const received = await receivedUntil(2, (r) => r.length >= 1000);
    expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => [1, i]));
  });

  it('applies rules pushed to each worker: a one-way cut drops, heal restores', async () => {
    await pushRules(MEMBERS, (rules) => rules.partitionOneWay(1, 3));
    worker(1).postMessage({ kind: 'send', to: 3, seqs: [1] } satisfies WorkerCommand);
    worker(3).postMessage({ kind: 'send', to: 1, seqs: [2] } satisfies WorkerCommand);
    await receivedUntil(1, (r) => r.some(([from]) => from === 3));
    // Worker 1 handles commands in order: the heal comes after the dropped send, and the
    // message sent after it follows the same port, so it arrives after anything sent before.
    await pushRules([1], (rules) => rules.heal());
    worker(1).postMessage({ kind: 'send', to: 3, seqs: [3] } satisfies WorkerCommand);
    const received = await receivedUntil(3, (r) => r.length >= 1);
    expect(received).toEqual([[1, 3]]);
  });
});
