/** A node config from a file or flags may be wrong in any way: refuse it with a clear message. */
import type { NodeConfig } from './node_config.js';
import { isLogLevel } from '../logging/logger.js';
import { isTimingName } from './timing.js';

export class NodeConfigError extends Error {
  override name = 'NodeConfigError';
}

/** A node could not listen on a port it was given (EADDRINUSE: another socket holds it, ...). */
export class PortUnavailable extends NodeConfigError {
  override name = 'PortUnavailable';
  readonly port: number;
  readonly code: string;

  constructor(message: string, port: number, code: string) {
    super(message);
    this.port = port;
    this.code = code;
  }

  /** Node `node` failed to listen for `what` (RESP clients, HTTP clients) on host:port with `error`. */
  static listening(node: number, what: string, host: string, port: number, error: unknown): PortUnavailable {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return new PortUnavailable(`node ${node} cannot listen for ${what} on ${host}:${port}: ${code}`, port, code);
  }
}

function isNodeId(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535;
}

export function checkNodeConfig(config: NodeConfig): void {
  const fail = (message: string): never => {
    throw new NodeConfigError(`invalid node config: ${message}`);
  };
  if (config === null || typeof config !== 'object') fail('expected an object');
  if (!isNodeId(config.id)) fail(`id must be a positive integer, got ${String(config.id)}`);
  if (!Array.isArray(config.members) || !config.members.every(isNodeId)) fail('members must be a list of positive integer ids');
  if (new Set(config.members).size !== config.members.length) fail('members has duplicates');
  if (!config.members.includes(config.id)) fail(`members (${config.members.join(', ')}) must include this node's id ${config.id}`);
  if (!Number.isSafeInteger(config.seed)) fail(`seed must be an integer, got ${String(config.seed)}`);
  if (typeof config.dataDir !== 'string' || config.dataDir.length === 0) fail('dataDir must be a non-empty path');
  if (!['always', 'batch', 'never'].includes(config.fsync)) fail(`fsync must be always, batch or never, got ${String(config.fsync)}`);
  if (!isTimingName(config.timing)) fail(`timing must be fast or standard, got ${String(config.timing)}`);
  if (config.readLease !== undefined && typeof config.readLease !== 'boolean') fail(`readLease must be true or false, got ${String(config.readLease)}`);
  if (!isLogLevel(config.logLevel)) fail(`logLevel must be debug, info, warn, error or silent, got ${String(config.logLevel)}`);
  if (typeof config.host !== 'string' || config.host.length === 0) fail('host must be a non-empty string');
  if (!isPort(config.redisPort)) fail(`redisPort must be 0..65535, got ${String(config.redisPort)}`);
  if (config.httpPort !== undefined && !isPort(config.httpPort)) fail(`httpPort must be 0..65535, got ${String(config.httpPort)}`);
  const transport = config.transport;
  if (transport?.kind === 'tcp') {
    if (!isPort(transport.listenPort)) fail(`listenPort must be 0..65535, got ${String(transport.listenPort)}`);
    if (transport.listenHost !== undefined && (typeof transport.listenHost !== 'string' || transport.listenHost.length === 0)) fail('listenHost must be a non-empty string');
    for (const peer of transport.peers) {
      if (!config.members.includes(peer.peer) || peer.peer === config.id) fail(`peer ${String(peer.peer)} is not another member`);
      if (!isPort(peer.port) || peer.port === 0) fail(`peer ${peer.peer} needs a port 1..65535, got ${String(peer.port)}`);
    }
  } else if (transport?.kind !== 'channel') {
    fail("transport.kind must be 'channel' or 'tcp'");
  }
}
