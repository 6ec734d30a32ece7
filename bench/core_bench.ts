/**
 * The Raft core alone: proposals committed per second by 3 nodes in memory, messages delivered
 * synchronously, nothing persisted. The ceiling every runtime works under.
 */
import { DEFAULT_RAFT_TUNING } from '../src/core/config.js';
import { RaftNode } from '../src/core/raft_node.js';
import type { Message, NodeId } from '../src/core/types.js';
import { Prng } from '../src/lib/prng.js';

export interface CoreBenchResult {
  batchSize: number;
  entriesPerSecond: number;
}

export function benchCore(batchSize: number, durationMs: number): CoreBenchResult {
  const ids: NodeId[] = [1, 2, 3];
  const prng = new Prng(1);
  const nodes = new Map(
    ids.map((id) => [
      id,
      new RaftNode(
        { ...DEFAULT_RAFT_TUNING, id, random: prng.fork() },
        { hardState: { term: 0, vote: 0, commit: 0 }, snapshot: null, entries: [], membership: { voters: ids, learners: [] } },
      ),
    ]),
  );
  let queue: Message[] = [];
  const settle = (): void => {
    for (;;) {
      for (const node of nodes.values()) {
        while (node.hasReady()) {
          const ready = node.ready();
          queue.push(...ready.messagesBeforePersist, ...ready.messages);
          node.advance(ready);
        }
      }
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      for (const message of batch) nodes.get(message.to)!.step(message);
    }
  };
  // Fresh nodes ignore votes for their first election timeout (read-lease safety): tick to a leader.
  for (let tick = 0; tick < 100 && ![...nodes.values()].some((node) => node.status().role === 'leader'); tick++) {
    for (const node of nodes.values()) node.tick();
    settle();
  }
  const leader = [...nodes.values()].find((node) => node.status().role === 'leader');
  if (leader === undefined) throw new Error('core bench: no leader elected within 100 ticks');
  const payload = new Uint8Array(100);
  const commands = Array.from({ length: batchSize }, () => payload);
  const start = performance.now();
  const startCommit = leader.status().commitIndex;
  while (performance.now() - start < durationMs) {
    for (let i = 0; i < 16; i++) leader.propose(commands);
    settle();
  }
  const seconds = (performance.now() - start) / 1000;
  const committed = leader.status().commitIndex - startCommit;
  if (committed === 0) throw new Error('core bench: nothing committed');
  return { batchSize, entriesPerSecond: committed / seconds };
}
