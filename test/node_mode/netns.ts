/**
 * Network namespaces for the multi-host test: three "hosts" (one namespace each, 10.77.0.1-3/24 on
 * eth0) joined by veth links to a bridge in a fourth namespace. Addresses exist only inside the
 * namespaces made here; teardown deletes them all (veth ends go with their namespace).
 */
import { spawnSync } from 'node:child_process';

export const SUBNET_PREFIX = '10.77.0.';

export interface Namespaces {
  /** Namespace of host i (1-based) at index i - 1. */
  hosts: string[];
  bridge: string;
  ip(host: number): string;
  teardown(): void;
}

function ip(args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() };
}

function must(args: string[]): void {
  const result = ip(args);
  if (!result.ok) throw new Error(`ip ${args.join(' ')} failed: ${result.output}`);
}

/** Why the namespace test cannot run here, or null when it can (root, iproute2, netns allowed). */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'ip netns needs root (CI runs as root)';
  if (spawnSync('ip', ['-V'], { encoding: 'utf8' }).status !== 0) return 'the ip command (iproute2) is not installed';
  const probe = `kvsprobe${process.pid}`;
  const made = ip(['netns', 'add', probe]);
  ip(['netns', 'delete', probe]);
  if (!made.ok) return `ip netns add is not allowed here: ${made.output}`;
  return null;
}

export function makeNamespaces(count: number): Namespaces {
  const tag = `kvs${process.pid % 100_000}`;
  const bridge = `${tag}br`;
  const hosts = Array.from({ length: count }, (_, i) => `${tag}h${i + 1}`);
  const made: string[] = [];
  const teardown = (): void => {
    for (const name of made.splice(0).reverse()) ip(['netns', 'delete', name]);
  };
  try {
    for (const name of [bridge, ...hosts]) {
      must(['netns', 'add', name]);
      made.push(name);
      must(['-n', name, 'link', 'set', 'lo', 'up']);
    }
    must(['-n', bridge, 'link', 'add', 'br0', 'type', 'bridge']);
    must(['-n', bridge, 'link', 'set', 'br0', 'up']);
    hosts.forEach((host, index) => {
      const inHost = `${tag}a${index + 1}`;
      const inBridge = `${tag}b${index + 1}`;
      // Created in the netns of host's side directly, so no interface ever lives in the root namespace.
      must(['-n', host, 'link', 'add', inHost, 'type', 'veth', 'peer', 'name', inBridge, 'netns', bridge]);
      must(['-n', host, 'link', 'set', inHost, 'name', 'eth0']);
      must(['-n', host, 'addr', 'add', `${SUBNET_PREFIX}${index + 1}/24`, 'dev', 'eth0']);
      must(['-n', host, 'link', 'set', 'eth0', 'up']);
      must(['-n', bridge, 'link', 'set', inBridge, 'master', 'br0']);
      must(['-n', bridge, 'link', 'set', inBridge, 'up']);
    });
  } catch (error) {
    teardown();
    throw error;
  }
  return { hosts, bridge, ip: (host) => `${SUBNET_PREFIX}${host}`, teardown };
}

/** `ip link set eth0 up|down` inside host i's namespace: its only way out. */
export function setHostLink(namespaces: Namespaces, host: number, state: 'up' | 'down'): void {
  must(['-n', namespaces.hosts[host - 1] as string, 'link', 'set', 'eth0', state]);
}

export function netnsExec(namespaces: Namespaces, host: number): string[] {
  return ['ip', 'netns', 'exec', namespaces.hosts[host - 1] as string];
}
