import { join } from 'node:path';
import type { NodeId } from '../core/types.js';

/**
 * The database file of a node inside a data directory. Its own module, free of SQLite, so a
 * caller that only needs the name (the supervisor checking a kept data dir) loads no WebAssembly.
 */
export function sqliteFileFor(dataDir: string, nodeId: NodeId): string {
  return join(dataDir, `node-${nodeId}.sqlite`);
}
