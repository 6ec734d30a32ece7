/**
 * Parsers for single node-config values. Each takes what a YAML file, a flag or a KV_SIM_*
 * variable gave (a string from the command line, a number or a map from YAML) and returns the
 * value or a short reason, so that every source reports mistakes in the same words.
 */
import type { NodeId } from '../core/types.js';
import type { HostPort } from '../lib/host_port.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** One entry of the initial member list: where peers dial it, and where clients reach it (RESP). */
export interface MemberAddress {
  id: NodeId;
  peer: HostPort;
  client: HostPort | null;
}

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function bad<T>(error: string): Parsed<T> {
  return { ok: false, error };
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw) ?? String(raw);
}

/** A whole number in [min, max], as a number or a decimal string. */
export function parseInteger(raw: unknown, min: number, max: number): Parsed<number> {
  const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    return bad(`must be an integer from ${min} to ${max}, got ${show(raw)}`);
  }
  return ok(value);
}

export function parseNodeId(raw: unknown): Parsed<NodeId> {
  const parsed = parseInteger(raw, 1, 65_535);
  return parsed.ok ? parsed : bad(`must be a node id (an integer from 1 to 65535), got ${show(raw)}`);
}

export function parsePort(raw: unknown): Parsed<number> {
  const parsed = parseInteger(raw, 1, 65_535);
  return parsed.ok ? parsed : bad(`must be a port from 1 to 65535, got ${show(raw)}`);
}

export function parseText(raw: unknown): Parsed<string> {
  if (typeof raw === 'number') return ok(String(raw));
  if (typeof raw !== 'string' || raw.trim() === '') return bad(`must be a non-empty string, got ${show(raw)}`);
  return ok(raw.trim());
}

export function parseChoice<T extends string>(raw: unknown, choices: readonly T[]): Parsed<T> {
  if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return ok(raw as T);
  return bad(`must be one of ${choices.join(', ')}, got ${show(raw)}`);
}

export function parseBoolean(raw: unknown): Parsed<boolean> {
  if (typeof raw === 'boolean') return ok(raw);
  if (raw === 'true' || raw === 'yes' || raw === 'on') return ok(true);
  if (raw === 'false' || raw === 'no' || raw === 'off') return ok(false);
  return bad(`must be true or false, got ${show(raw)}`);
}

/** `host:port`, `[v6]:port`; a bare port takes defaultHost when one is given. */
export function parseHostPort(raw: unknown, defaultHost?: string): Parsed<HostPort> {
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\d+$/.test(raw.trim()))) {
    if (defaultHost === undefined) return bad(`must be HOST:PORT, got ${show(raw)}`);
    const port = parsePort(raw);
    return port.ok ? ok({ host: defaultHost, port: port.value }) : bad(port.error);
  }
  if (typeof raw !== 'string') return bad(`must be HOST:PORT, got ${show(raw)}`);
  const text = raw.trim();
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\s[\]]+):(\d+)$/.exec(text);
  if (match === null) return bad(`must be HOST:PORT, got ${show(raw)}`);
  const port = parsePort(match[2]);
  if (!port.ok) return bad(`port ${port.error}`);
  return ok({ host: match[1] as string, port: port.value });
}


const MEMBER_KEYS = ['id', 'peer', 'client'];
const MEMBERS_FORMAT = 'ID=PEERHOST:PORT[/CLIENTHOST:PORT],... or a YAML list of {id, peer, client}';

/**
 * The initial members, from YAML (a list of maps) or one string (flags and environment):
 * `1=10.0.0.1:7001/10.0.0.1:6379,2=10.0.0.2:7001/10.0.0.2:6379`.
 */
export function parseMembers(raw: unknown): Parsed<MemberAddress[]> {
  if (typeof raw === 'string') return parseMemberList(raw);
  if (!Array.isArray(raw) || raw.length === 0) return bad(`must be a non-empty list (${MEMBERS_FORMAT})`);
  const members: MemberAddress[] = [];
  for (const [index, entry] of raw.entries()) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return bad(`entry ${index + 1} must be a map with id, peer and client`);
    const record = entry as Record<string, unknown>;
    const unknown = Object.keys(record).find((key) => !MEMBER_KEYS.includes(key));
    if (unknown !== undefined) return bad(`entry ${index + 1} has an unknown key '${unknown}' (known: ${MEMBER_KEYS.join(', ')})`);
    const member = parseMember(record['id'], record['peer'], record['client']);
    if (!member.ok) return bad(`entry ${index + 1}: ${member.error}`);
    members.push(member.value);
  }
  return ok(members);
}

function parseMemberList(text: string): Parsed<MemberAddress[]> {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) return bad(`must list the members (${MEMBERS_FORMAT})`);
  const members: MemberAddress[] = [];
  for (const item of items) {
    const match = /^([^=]+)=([^/]+)(?:\/(.+))?$/.exec(item);
    if (match === null) return bad(`'${item}' is not ID=PEERHOST:PORT[/CLIENTHOST:PORT]`);
    const member = parseMember(match[1]?.trim(), match[2]?.trim(), match[3]?.trim());
    if (!member.ok) return bad(`'${item}': ${member.error}`);
    members.push(member.value);
  }
  return ok(members);
}

function parseMember(rawId: unknown, rawPeer: unknown, rawClient: unknown): Parsed<MemberAddress> {
  const id = parseNodeId(rawId);
  if (!id.ok) return bad(`id ${id.error}`);
  const peer = parseHostPort(rawPeer);
  if (!peer.ok) return bad(`peer address ${peer.error}`);
  if (rawClient === undefined || rawClient === null) return ok({ id: id.value, peer: peer.value, client: null });
  const client = parseHostPort(rawClient);
  if (!client.ok) return bad(`client address ${client.error}`);
  return ok({ id: id.value, peer: peer.value, client: client.value });
}
