/**
 * Worker entry of one emulated node: build it from workerData with the same composition
 * function a standalone node uses, report ready (or why not), forward its events, and expose
 * its control surface to the supervisor with comlink.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import { nodeEndpoint } from '../src/cluster/comlink_endpoint.js';
import type { NodeControl, NodeWorkerData, WorkerEvent } from '../src/cluster/worker_protocol.js';
import { PortUnavailable } from '../src/runtime/check_node_config.js';
import { startNode } from '../src/runtime/start_node.js';

async function main(): Promise<void> {
  if (parentPort === null) throw new Error('node_worker must run in a worker thread');
  const { config, eventPort, spawnedAtEpochMs } = workerData as NodeWorkerData;
  const post = (event: WorkerEvent): void => eventPort.postMessage(event);
  let node;
  try {
    // Recovery counts from this worker's start; this thread's performance.now() counts from the process's.
    node = await startNode(config, { startedAtMs: spawnedAtEpochMs - performance.timeOrigin });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const portUnavailable = error instanceof PortUnavailable ? { port: error.port, code: error.code } : undefined;
    post({ type: 'start-failed', message, ...(portUnavailable === undefined ? {} : { portUnavailable }) });
    eventPort.close();
    return;
  }
  node.onEvent(post);
  const control: NodeControl = {
    status: () => node.status(),
    pause: () => node.pause(),
    resume: () => node.resume(),
    setLinkRules: (state) => node.setLinkRules(state),
    replacePeerPort: (peer, port) => node.replacePeerPort(peer, port),
    setPeerAddresses: (peers) => node.setPeerAddresses(peers),
    setClientAddresses: (addresses) => node.setClientAddresses(addresses),
    resetStallStats: () => node.resetStallStats(),
    snapshot: () => node.snapshot(),
    stop: async () => {
      await node.stop();
      eventPort.close();
    },
  };
  expose(control, nodeEndpoint(parentPort));
  post({ type: 'ready', endpoints: node.endpoints, ports: { redis: node.redisPort, http: portOf(node.endpoints.http), peer: node.peerPort } });
}

function portOf(url: string | null): number {
  return url === null ? 0 : Number(new URL(url).port);
}

void main();
