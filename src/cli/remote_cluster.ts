/**
 * The REPL's cluster surface over the control planes of real `kv-sim node` processes. A link
 * fault goes to EVERY node, which applies it to its own transport; a node verb (pause, snapshot)
 * goes to the node with that id. Crash and restart belong to the process manager, not to us.
 */
import * as http from 'node:http';
import type { NodeId } from '../core/types.js';
import type { LinkSettings } from '../ports/transport.js';
import type { ControlStatus } from '../runtime/control_http.js';
import type { LogSizeRow } from './repl_logsize.js';
import type { ReplCluster } from './repl_exec.js';
import type { StatusRow } from './status_table.js';

export interface RemoteClusterOptions {
  /** Control-plane base URLs, e.g. http://10.0.0.1:9001. */
  endpoints: string[];
  token: string | null;
  timeoutMs: number;
}

type Reply = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

/** `host:port` or a URL; the control plane speaks plain HTTP. */
export function controlUrl(endpoint: string): string {
  const trimmed = endpoint.trim().replace(/\/+$/, '');
  return /^https?:\/\//.test(trimmed) ? trimmed : `http://${trimmed}`;
}

export class RemoteCluster implements ReplCluster {
  private readonly options: RemoteClusterOptions;
  /** Endpoints that did not answer the last status request, with why. */
  unreachable: Array<{ endpoint: string; error: string }> = [];
  /** Each answering node's link rules from the last status request. */
  rules: Array<{ id: NodeId; cuts: number; degradedLinks: number }> = [];
  /** Peers each answering node refuses to link with (e.g. different timing), with why. */
  refusals: Array<{ id: NodeId; peer: NodeId; reason: string }> = [];
  /** Members named by an answering node that gave no status themselves (not among the answers). */
  silentMembers: NodeId[] = [];

  constructor(options: RemoteClusterOptions) {
    this.options = options;
  }

  async status(): Promise<Array<StatusRow & Partial<LogSizeRow>>> {
    const answers = await this.statuses();
    this.unreachable = answers.flatMap((answer) => (answer.status === null ? [{ endpoint: answer.endpoint, error: answer.error }] : []));
    const live = answers.flatMap((answer) => (answer.status === null ? [] : [answer.status]));
    if (live.length === 0) throw new Error(`no control endpoint gave its status: ${this.unreachable.map((u) => `${u.endpoint} (${u.error})`).join(', ')}`);
    this.rules = live.map((s) => ({ id: s.id, cuts: s.linkRules.cuts.length, degradedLinks: s.linkRules.links.length }));
    this.refusals = live.flatMap((s) => s.status.refusedPeers.map(({ peer, reason }) => ({ id: s.id, peer, reason })));
    const answered = new Set(live.map((s) => s.id));
    this.silentMembers = [...new Set(live.flatMap((s) => s.members))].filter((id) => !answered.has(id)).sort((a, b) => a - b);
    return live.map(({ status }) => ({ ...status, up: true }));
  }

  partition(groups: NodeId[][]): Promise<void> {
    return this.everyNode('partition', { groups });
  }

  partitionOneWay(from: NodeId, to: NodeId): Promise<void> {
    return this.everyNode('oneway', { from, to });
  }

  isolate(node: NodeId): Promise<void> {
    return this.everyNode('isolate', { node });
  }

  heal(): Promise<void> {
    return this.everyNode('heal', {});
  }

  link(a: NodeId, b: NodeId): { set(settings: Partial<LinkSettings>): Promise<void> } {
    return { set: (settings) => this.everyNode('link', { a, b, settings }) };
  }

  async pause(node: NodeId): Promise<void> {
    await this.oneNode(node, 'pause');
  }

  async resume(node: NodeId): Promise<void> {
    await this.oneNode(node, 'resume');
  }

  async snapshot(node?: NodeId): Promise<number> {
    const target = node ?? (await this.leader());
    const body = await this.oneNode(target, 'snapshot');
    return Number(body['index']);
  }

  crash(node: NodeId): Promise<void> {
    return Promise.reject(new Error(`ctl cannot crash node ${node}: stop or kill its kv-sim node process (e.g. kill -9), or isolate it`));
  }

  restart(node: NodeId): Promise<void> {
    return Promise.reject(new Error(`ctl cannot restart node ${node}: start its kv-sim node process again with the same config`));
  }

  private async leader(): Promise<NodeId> {
    const rows = await this.status();
    const leader = rows.find((row) => row.role === 'leader');
    if (leader === undefined) throw new Error('no leader to snapshot; name a node');
    return leader.id;
  }

  /** Sends one verb to every node; any node that did not apply it makes the whole call fail, by name. */
  private async everyNode(verb: string, body: unknown): Promise<void> {
    const replies = await Promise.all(this.options.endpoints.map(async (endpoint) => ({ endpoint, reply: await this.request('POST', endpoint, verb, body) })));
    const failed = replies.filter(({ reply }) => !reply.ok);
    if (failed.length === 0) return;
    const details = failed.map(({ endpoint, reply }) => `${endpoint}: ${reply.ok ? '' : reply.error}`).join('; ');
    const applied = replies.length - failed.length;
    throw new Error(`${verb} applied on ${applied} of ${replies.length} nodes; not on ${details}`);
  }

  private async oneNode(node: NodeId, verb: string): Promise<Record<string, unknown>> {
    const answers = await this.statuses();
    const target = answers.find((answer) => answer.status?.id === node);
    if (target === undefined) {
      const silent = answers.flatMap((answer) => (answer.status === null ? [`${answer.endpoint}: ${answer.error}`] : []));
      throw new Error(`no control endpoint answered as node ${node}${silent.length === 0 ? '' : `; no answer from ${silent.join(', ')}`}`);
    }
    const reply = await this.request('POST', target.endpoint, verb, {});
    if (!reply.ok) throw new Error(`${target.endpoint}: ${reply.error}`);
    return reply.body;
  }

  private statuses(): Promise<Array<{ endpoint: string; status: ControlStatus; error: '' } | { endpoint: string; status: null; error: string }>> {
    return Promise.all(
      this.options.endpoints.map(async (endpoint) => {
        const reply = await this.request('GET', endpoint, 'status', undefined);
        return reply.ok ? { endpoint, status: reply.body as unknown as ControlStatus, error: '' as const } : { endpoint, status: null, error: reply.error };
      }),
    );
  }

  private async request(method: 'GET' | 'POST', endpoint: string, verb: string, body: unknown): Promise<Reply> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.options.token !== null) headers['authorization'] = `Bearer ${this.options.token}`;
    let answer: { status: number; text: string };
    try {
      answer = await httpRequest(`${controlUrl(endpoint)}/control/${verb}`, method, headers, body === undefined ? '' : JSON.stringify(body), this.options.timeoutMs);
    } catch (error) {
      return { ok: false, error: describeRequestError(error, this.options.timeoutMs) };
    }
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(answer.text) as Record<string, unknown>;
    } catch {
      // not JSON: the status line says enough
    }
    if (answer.status < 200 || answer.status >= 300) return { ok: false, error: typeof parsed['error'] === 'string' ? parsed['error'] : `HTTP ${answer.status}` };
    return { ok: true, body: parsed };
  }
}

class RequestTimeout extends Error {}

/**
 * One plain HTTP request. node:http rather than fetch: at the deadline the socket is destroyed,
 * a connect still pending towards a cut-off host included, so ctl exits as soon as it is done.
 */
function httpRequest(url: string, method: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new RequestTimeout()), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}

function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof RequestTimeout) return `no answer within ${timeoutMs} ms`;
  return `unreachable (${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))})`;
}
