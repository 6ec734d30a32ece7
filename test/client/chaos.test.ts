/**
 * Seeded chaos over the fixture cluster: while a client appends tokens and increments a counter,
 * leadership moves, nodes crash and restart, and the leader loses replies or answers TIMEOUT after
 * applying. Every acknowledged write must be applied exactly once. The seed fixes the fault
 * schedule (which fault, which node); its timing against the client is the event loop's. Rerun a
 * seed with CLIENT_CHAOS_SEED=<seed> npx vitest run test/client/chaos.test.ts
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KvClient } from '../../src/client/index.js';
import { Prng } from '../../src/lib/prng.js';
import { FixtureCluster } from './fixture_cluster.js';

const FIXED_SEEDS = [1, 2, 3];
const extraSeed = process.env.CLIENT_CHAOS_SEED;
const seeds = extraSeed === undefined ? [...FIXED_SEEDS, Date.now() % 1_000_000] : [Number(extraSeed)];
const NODES = 3;
const WRITES = 600;
/** Faults stop after this long; then the cluster is whole and every write must finish. */
const CHAOS_MS = 1500;

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

describe('client chaos over the fixture cluster', () => {
  it.each(seeds)('seed %i: every acknowledged write applies exactly once', async (seed) => {
    console.log(`client chaos seed=${seed} (replay: CLIENT_CHAOS_SEED=${seed})`);
    const random = new Prng(seed);
    const cluster = await FixtureCluster.start(NODES);
    const client = new KvClient({ nodes: cluster.urls(), timeoutMs: 10_000, attemptTimeoutMs: 200 });
    cleanup.push(() => cluster.stop(), () => client.close());

    down.clear();
    let done = false;
    const writes = Array.from({ length: WRITES }, (_, i) =>
      i % 3 === 0 ? client.incr('counter').then(() => 'incr') : client.append('log', `<${i}>`).then(() => 'append'),
    );
    const all = Promise.all(writes).finally(() => (done = true));
    const chaosEndsAt = performance.now() + CHAOS_MS;
    while (!done && performance.now() < chaosEndsAt) {
      await nemesisStep(cluster, random);
      await new Promise((resolve) => setTimeout(resolve, 10 + (random.nextUint32() % 30)));
    }
    await healAll(cluster);
    const kinds = await all;

    const log = (await client.get('log')) ?? '';
    for (let i = 0; i < WRITES; i++) {
      if (i % 3 !== 0) expect(log.split(`<${i}>`).length - 1, `token <${i}> (seed ${seed})`).toBe(1);
    }
    expect(await client.get('counter'), `counter (seed ${seed})`).toBe(String(kinds.filter((k) => k === 'incr').length));
  });
});

const down = new Set<number>();

async function nemesisStep(cluster: FixtureCluster, random: Prng): Promise<void> {
  const pick = random.nextUint32() % 6;
  const node = 1 + (random.nextUint32() % NODES);
  // One fault at a time: queued faults would hit every later write and starve the run.
  if (pick === 0 && cluster.pendingFaults === 0) cluster.injectWriteFault('timeout-after-apply');
  else if (pick === 1 && cluster.pendingFaults === 0) cluster.injectWriteFault('lose-reply');
  else if (pick === 2 && !down.has(node)) cluster.leaderId = node;
  else if (pick === 3) cluster.leaderId = 0; // an election in progress
  else if (pick === 4 && !down.has(node) && down.size === 0) {
    down.add(node);
    await cluster.crash(node);
    if (cluster.leaderId === node) cluster.leaderId = 0;
  } else if (pick === 5) await healAll(cluster);
  // A cluster without a leader elects one of the live nodes soon.
  if (cluster.leaderId === 0 && random.nextUint32() % 2 === 0) cluster.leaderId = liveNode(random);
}

async function healAll(cluster: FixtureCluster): Promise<void> {
  for (const node of [...down]) {
    await cluster.restart(node);
    down.delete(node);
  }
  if (cluster.leaderId === 0) cluster.leaderId = 1;
}

function liveNode(random: Prng): number {
  const live = Array.from({ length: NODES }, (_, i) => i + 1).filter((id) => !down.has(id));
  return live[random.nextUint32() % live.length] as number;
}
