/**
 * Node addresses as users and servers write them: `redis://host:port`, `host:port`, `[::1]:port`.
 * A normalised `key` ("host:port", IPv6 in brackets) identifies a node's connection.
 */
import { KvArgumentError } from './errors.js';

export interface NodeAddress {
  host: string;
  port: number;
  /** "host:port", the form used as a map key and in leader hints. */
  key: string;
}

const DEFAULT_REDIS_PORT = 6379;

export function parseAddress(text: string): NodeAddress {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `redis://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new KvArgumentError(`invalid node address '${text}': expected redis://host:port or host:port`);
  }
  if (url.protocol !== 'redis:') {
    throw new KvArgumentError(`invalid node address '${text}': only redis:// is supported`);
  }
  if (url.hostname === '') throw new KvArgumentError(`invalid node address '${text}': no host`);
  const port = url.port === '' ? DEFAULT_REDIS_PORT : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KvArgumentError(`invalid node address '${text}': bad port`);
  }
  // URL keeps IPv6 hosts in brackets; node:net wants them bare.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { host, port, key: `${url.hostname}:${port}` };
}

/** Like parseAddress, but a malformed hint from a server is ignored rather than thrown. */
export function tryParseAddress(text: string): NodeAddress | null {
  try {
    return parseAddress(text);
  } catch {
    return null;
  }
}
