/** The INFO text: Redis-style `# Section` blocks of `field:value` lines, with Raft status. */
import type { ServerContext } from './dispatch.js';

const VERSION = '7.0.0';

function sections(context: ServerContext): Map<string, Array<[string, string | number]>> {
  const info = context.backend.info();
  const leaderAddress = info.leaderId === 0 ? null : context.backend.clientAddressOf(info.leaderId);
  const replication: Array<[string, string | number]> = [
    ['role', info.role],
    ['node_id', info.nodeId],
    ['leader_id', info.leaderId],
    ['leader_addr', leaderAddress ?? ''],
    ['raft_term', info.term],
    ['commit_index', info.commitIndex],
    ['applied_index', info.appliedIndex],
  ];
  return new Map([
    ['server', [['redis_version', VERSION], ['redis_mode', 'standalone'], ['kv_sim', 'raft']]],
    ['clients', [['connected_clients', context.connectedClients()]]],
    // ioredis waits for loading:0 before it sends commands.
    ['persistence', [['loading', 0]]],
    ['replication', replication],
  ]);
}

/** INFO [section ...]: all sections when none (or all/everything/default) is named. */
export function infoText(requested: string[], context: ServerContext): string {
  const all = sections(context);
  const wanted = requested.filter((name) => !['all', 'everything', 'default'].includes(name));
  const names = wanted.length === 0 ? [...all.keys()] : wanted.map((name) => (name === 'raft' ? 'replication' : name));
  const blocks: string[] = [];
  for (const name of new Set(names)) {
    const fields = all.get(name);
    if (fields === undefined) continue;
    const title = name.charAt(0).toUpperCase() + name.slice(1);
    blocks.push([`# ${title}`, ...fields.map(([key, value]) => `${key}:${value}`)].join('\r\n'));
  }
  return blocks.length === 0 ? '' : `${blocks.join('\r\n\r\n')}\r\n`;
}
