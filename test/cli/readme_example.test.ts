import { describe, it, expect } from 'vitest';
import { startCluster } from 'kv-sim';

describe('an app on a kv-sim cluster', () => {
  it('keeps writing on the majority side of a partition', async () => {
    const cluster = await startCluster({ nodes: 5, seed: 7 });
    try {
      const oldLeader = await cluster.waitForLeader({ timeoutMs: 10_000 });
      const others = cluster.nodeIds.filter((id) => id !== oldLeader);
      const minority = [oldLeader, others[0] as number];
      const majority = others.slice(1);
      await cluster.partition([minority, majority]);

      // The majority elects a new leader; the client finds it, and writes commit there.
      const newLeader = await cluster.waitForLeader({ exclude: minority, timeoutMs: 10_000 });
      expect(majority).toContain(newLeader);
      const client = cluster.client();
      await client.set('greeting', 'hello');
      expect(await client.get('greeting')).toBe('hello');

      // Once healed, the minority catches up: every node applies the write.
      const leaderStatus = (await cluster.status()).find((node) => node.id === newLeader);
      const committed = leaderStatus?.commitIndex ?? Infinity;
      await cluster.heal();
      await cluster.waitFor((nodes) => nodes.every((node) => node.appliedIndex >= committed), { timeoutMs: 10_000 });
    } finally {
      await cluster.stop(); // no worker left, no port bound, temp data removed
    }
  }, 30_000);
});
