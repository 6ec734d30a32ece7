/**
 * What an operator configures for one `kv-sim node` process, and the rules that check it. The
 * same kebab-case names are YAML keys, flags (`--redis-port`) and environment variables
 * (`KV_SIM_REDIS_PORT`); flags and variables win over the file.
 */
import type { NodeId } from '../core/types.js';
import type { LogFormat, LogLevel } from '../logging/logger.js';
import type { FsyncPolicy } from '../runtime/node_config.js';
import type { TimingName } from '../runtime/timing.js';
import {
  bad,
  ok,
  parseBoolean,
  parseChoice,
  parseHostPort,
  parseInteger,
  parseMembers,
  parseNodeId,
  parsePort,
  parseText,
  type MemberAddress,
  type Parsed,
} from './config_values.js';
import { formatHostPort, type HostPort } from '../lib/host_port.js';

export interface NodeSettings {
  id: NodeId;
  /** As given (relative paths are resolved by the loader). */
  dataDir: string;
  members: MemberAddress[];
  /** Where the Raft peer port binds. */
  peerListen: HostPort;
  /** Where other nodes dial this one: its own entry in members. */
  peerAdvertise: HostPort;
  /** Where the RESP and HTTP client ports bind. */
  clientHost: string;
  redisPort: number;
  httpPort: number;
  /** The RESP address other nodes name in redirects (its own members entry, when it has one). */
  clientAdvertise: HostPort;
  /** The control plane's address; null = off (the default). */
  controlListen: HostPort | null;
  /** When set, control requests must carry `Authorization: Bearer <token>`. */
  controlToken: string | null;
  timing: TimingName;
  fsync: FsyncPolicy;
  /** Lease reads on the leader (ClusterOptions.readLease). */
  readLease: boolean;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Election-jitter seed; null = drawn at start. */
  seed: number | null;
}

export const SETTING_KEYS = [
  'id',
  'data-dir',
  'members',
  'peer-listen',
  'peer-advertise',
  'client-host',
  'redis-port',
  'http-port',
  'control-listen',
  'control-token',
  'timing',
  'fsync',
  'read-lease',
  'log-level',
  'log-format',
  'seed',
] as const;

export type SettingKey = (typeof SETTING_KEYS)[number];
export type RawSettings = Partial<Record<SettingKey, unknown>>;

export const DEFAULT_REDIS_PORT = 6379;
export const DEFAULT_HTTP_PORT = 8080;
const TIMINGS: readonly TimingName[] = ['fast', 'standard'];
const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'batch', 'never'];
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/** Reads one setting: absent is fine (null), present must parse. Errors name the key. */
function read<T>(raw: RawSettings, key: SettingKey, parse: (value: unknown) => Parsed<T>): Parsed<T | null> {
  const value = raw[key];
  if (value === undefined || value === null) return ok(null);
  const parsed = parse(value);
  return parsed.ok ? parsed : bad(`${key} ${parsed.error}`);
}

class Invalid extends Error {}

function must<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Invalid(parsed.error);
  return parsed.value;
}

/** Turns merged raw values into checked settings, or one line saying what is wrong. */
export function checkSettings(raw: RawSettings): Parsed<NodeSettings> {
  try {
    return ok(buildSettings(raw));
  } catch (error) {
    if (error instanceof Invalid) return bad(error.message);
    throw error;
  }
}

function buildSettings(raw: RawSettings): NodeSettings {
  const id = must(read(raw, 'id', parseNodeId));
  if (id === null) throw new Invalid('id is missing (this node\'s id, e.g. --id 1 or id: 1 in the config file)');
  const dataDir = must(read(raw, 'data-dir', parseText));
  if (dataDir === null) throw new Invalid('data-dir is missing (where this node keeps its data)');
  const members = must(read(raw, 'members', parseMembers));
  if (members === null) throw new Invalid('members is missing (every initial member: ID=PEERHOST:PORT/CLIENTHOST:PORT,...)');
  checkMembers(members);
  const self = members.find((member) => member.id === id);
  if (self === undefined) throw new Invalid(`members (${members.map((m) => m.id).join(', ')}) do not include this node's id ${id}`);
  const peerAdvertise = must(read(raw, 'peer-advertise', parseHostPort)) ?? self.peer;
  if (formatHostPort(peerAdvertise) !== formatHostPort(self.peer)) {
    throw new Invalid(`peer-advertise ${formatHostPort(peerAdvertise)} differs from node ${id}'s entry in members (${formatHostPort(self.peer)}), which is the address the other nodes dial`);
  }
  const peerListen = must(read(raw, 'peer-listen', (value) => parseHostPort(value, '0.0.0.0'))) ?? self.peer;
  const clientHost = must(read(raw, 'client-host', parseText)) ?? self.client?.host ?? self.peer.host;
  const redisPort = must(read(raw, 'redis-port', parsePort)) ?? self.client?.port ?? DEFAULT_REDIS_PORT;
  const httpPort = must(read(raw, 'http-port', parsePort)) ?? DEFAULT_HTTP_PORT;
  const controlListen = must(read(raw, 'control-listen', (value) => parseHostPort(value, '127.0.0.1')));
  const settings: NodeSettings = {
    id,
    dataDir,
    members,
    peerListen,
    peerAdvertise,
    clientHost,
    redisPort,
    httpPort,
    clientAdvertise: self.client ?? { host: clientHost, port: redisPort },
    controlListen,
    controlToken: must(read(raw, 'control-token', parseText)),
    timing: must(read(raw, 'timing', (value) => parseChoice(value, TIMINGS))) ?? 'standard',
    fsync: must(read(raw, 'fsync', (value) => parseChoice(value, FSYNC_POLICIES))) ?? 'always',
    readLease: must(read(raw, 'read-lease', parseBoolean)) ?? true,
    logLevel: must(read(raw, 'log-level', (value) => parseChoice(value, LOG_LEVELS))) ?? 'info',
    logFormat: must(read(raw, 'log-format', (value) => parseChoice(value, LOG_FORMATS))) ?? 'auto',
    seed: must(read(raw, 'seed', (value) => parseInteger(value, 0, 0xffff_ffff))),
  };
  checkOwnPorts(settings);
  return settings;
}

/** Ids and addresses are each used once: two members on one address would dial each other's node. */
function checkMembers(members: MemberAddress[]): void {
  const ids = new Set<NodeId>();
  const addresses = new Map<string, string>();
  const claim = (address: HostPort, what: string): void => {
    const text = formatHostPort(address);
    const owner = addresses.get(text);
    if (owner !== undefined) throw new Invalid(`members: ${what} and ${owner} both use ${text}`);
    addresses.set(text, what);
  };
  for (const member of members) {
    if (ids.has(member.id)) throw new Invalid(`members: node ${member.id} is listed twice`);
    ids.add(member.id);
    claim(member.peer, `node ${member.id}'s peer port`);
    if (member.client !== null) claim(member.client, `node ${member.id}'s client port`);
  }
}

/** This node's own listeners must not share a port on overlapping bind addresses. */
function checkOwnPorts(settings: NodeSettings): void {
  const listeners: Array<{ name: string; host: string; port: number }> = [
    { name: 'the peer port (peer-listen)', ...settings.peerListen },
    { name: 'redis-port', host: settings.clientHost, port: settings.redisPort },
    { name: 'http-port', host: settings.clientHost, port: settings.httpPort },
  ];
  if (settings.controlListen !== null) listeners.push({ name: 'the control port (control-listen)', ...settings.controlListen });
  const wildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
  for (const [i, a] of listeners.entries()) {
    for (const b of listeners.slice(i + 1)) {
      const overlap = a.host === b.host || wildcard(a.host) || wildcard(b.host);
      if (overlap && a.port === b.port) throw new Invalid(`${a.name} and ${b.name} both use port ${a.port}`);
    }
  }
}
