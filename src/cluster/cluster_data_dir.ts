/**
 * Where each node of an emulated cluster keeps its data, and which cluster a kept data dir holds.
 * Node N keeps its database in node-N/ (node-N.sqlite), bootstrapped with the members 1..nodes of
 * the cluster that made it. Reopened with another node count, the nodes disagree on the members:
 * added nodes campaign for ever against members that do not know them, and fewer nodes than the
 * kept membership cannot reach its majority. So startCluster refuses such a dir before any worker
 * starts, saying what the dir holds.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeId } from '../core/types.js';
import { sqliteFileFor } from '../storage/sqlite_file_name.js';
import { ClusterError } from './cluster_error.js';

export function nodeDirFor(dataDir: string, id: NodeId): string {
  return join(dataDir, `node-${id}`);
}

/** Throws a ClusterError unless `dataDir` holds no node's database, or exactly those of nodes 1..nodes. */
export function checkDataDirFits(dataDir: string, nodes: number): void {
  const held = nodesHeldIn(dataDir);
  const last = held.at(-1);
  // Distinct ids from 1: as many as the largest one means exactly 1..last.
  if (last === undefined || (last === nodes && held.length === nodes)) return;
  if (held.length === last) {
    const names = last === 1 ? 'node-1' : `node-1..node-${last}`;
    throw new ClusterError(`${dataDir} holds a ${last}-node cluster (${names}); start it with ${last} ${last === 1 ? 'node' : 'nodes'}, or use another data dir`);
  }
  throw new ClusterError(
    `${dataDir} holds the databases of nodes ${held.join(', ')} only, not those of a whole cluster (node-1..node-N); use another data dir`,
  );
}

/** The ids whose database is in `dataDir`, ascending. */
function nodesHeldIn(dataDir: string): NodeId[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    // Missing (a first start) or unusable: it holds no cluster, and starting there says what is wrong.
    return [];
  }
  const ids = names.flatMap((name) => {
    const id = Number(/^node-([1-9]\d*)$/.exec(name)?.[1]);
    return Number.isSafeInteger(id) && existsSync(sqliteFileFor(nodeDirFor(dataDir, id), id)) ? [id] : [];
  });
  return ids.sort((a, b) => a - b);
}
