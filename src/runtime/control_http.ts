/**
 * The control plane of one node process, over HTTP/JSON: status, and the emulator's link-fault
 * vocabulary applied to THIS node's transport. An operator tool (kv-sim ctl) sends the same verb
 * to every node; each applies it to its own copy of the link rules, so all nodes hold the same
 * rules and a cut link is dropped at the sender on both sides. Off unless configured; it has no
 * TLS, so bind it to loopback or a private network, and set a token when it is reachable.
 */
import { timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeId } from '../core/types.js';
import { Prng } from '../lib/prng.js';
import type { Logger } from '../ports/logger.js';
import type { LinkSettings } from '../ports/transport.js';
import { LinkRules, type LinkRulesState } from '../transport/link_rules.js';
import type { NodeEndpoints, RuntimeStatus } from './node_config.js';

/** Control requests are small JSON objects; anything bigger is refused unread. */
export const CONTROL_BODY_MAX_BYTES = 64 * 1024;

/** The part of a RunningNode the control plane drives. */
export interface ControlTarget {
  readonly id: NodeId;
  readonly endpoints: NodeEndpoints;
  status(): RuntimeStatus;
  setLinkRules(state: LinkRulesState): void;
  pause(): void;
  resume(): void;
  snapshot(): Promise<number>;
}

export interface ControlHttpOptions {
  node: ControlTarget;
  members: readonly NodeId[];
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token: string | null;
  logger: Logger;
}

/** What GET /control/status answers. */
export interface ControlStatus {
  id: NodeId;
  members: NodeId[];
  endpoints: NodeEndpoints;
  status: RuntimeStatus;
  linkRules: LinkRulesState;
}

interface Answer {
  status: number;
  body: unknown;
}

class BadRequest extends Error {}

export class ControlHttp {
  private readonly server: http.Server;
  private readonly rules: LinkRules;
  private readonly options: ControlHttpOptions;

  private constructor(server: http.Server, options: ControlHttpOptions) {
    this.server = server;
    this.options = options;
    // Only its state is used (pushed to the transport); it never routes, so its randomness is idle.
    this.rules = new LinkRules([...options.members], new Prng(0));
  }

  static start(options: ControlHttpOptions): Promise<ControlHttp> {
    let control: ControlHttp | null = null;
    const server = http.createServer((request, response) => control?.serve(request, response));
    control = new ControlHttp(server, options);
    const started = control;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve(started);
      });
    });
  }

  address(): { host: string; port: number } {
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  /** Stops listening and drops every connection, idle or not. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private serve(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (!this.authorized(request)) return send(response, { status: 401, body: { error: 'missing or wrong control token (Authorization: Bearer ...)' } });
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= CONTROL_BODY_MAX_BYTES) chunks.push(chunk);
    });
    request.on('error', () => response.destroy());
    request.on('end', () => {
      if (size > CONTROL_BODY_MAX_BYTES) return send(response, { status: 413, body: { error: `body over ${CONTROL_BODY_MAX_BYTES} bytes` } });
      this.answer(request.method ?? 'GET', request.url ?? '/', Buffer.concat(chunks).toString('utf8'))
        .catch((error: unknown) => ({ status: 500, body: { error: error instanceof Error ? error.message : String(error) } }))
        .then((answer) => send(response, answer));
    });
  }

  private authorized(request: http.IncomingMessage): boolean {
    const token = this.options.token;
    if (token === null) return true;
    const given = Buffer.from(request.headers.authorization ?? '');
    const wanted = Buffer.from(`Bearer ${token}`);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  }

  private async answer(method: string, url: string, text: string): Promise<Answer> {
    const path = url.split('?')[0] ?? '/';
    if (path === '/control/status') {
      if (method !== 'GET') return { status: 405, body: { error: 'use GET' } };
      return { status: 200, body: this.status() };
    }
    const verb = /^\/control\/([a-z]+)$/.exec(path)?.[1];
    if (verb === undefined) return { status: 404, body: { error: `no such control route ${path}` } };
    if (method !== 'POST') return { status: 405, body: { error: 'use POST' } };
    try {
      return await this.run(verb, parseBody(text));
    } catch (error) {
      // LinkRules refuses bad ids and settings with RangeError: the caller's mistake, not ours.
      if (error instanceof BadRequest || error instanceof RangeError) return { status: 400, body: { error: error.message } };
      throw error;
    }
  }

  private async run(verb: string, body: Record<string, unknown>): Promise<Answer> {
    const { node, logger } = this.options;
    switch (verb) {
      case 'partition': {
        const groups = body['groups'];
        if (!Array.isArray(groups) || !groups.every(Array.isArray)) throw new BadRequest('groups must be a list of lists of node ids');
        return this.changeRules(verb, body, (rules) => rules.partition((groups as unknown[][]).map((group) => group.map((id) => this.member(id)))));
      }
      case 'oneway':
        return this.changeRules(verb, body, (rules) => rules.partitionOneWay(this.member(body['from']), this.member(body['to'])));
      case 'isolate':
        return this.changeRules(verb, body, (rules) => rules.isolate(this.member(body['node'])));
      case 'heal':
        return this.changeRules(verb, body, (rules) => rules.heal());
      case 'link':
        return this.changeRules(verb, body, (rules) => rules.setLink(this.member(body['a']), this.member(body['b']), linkSettings(body['settings'])));
      case 'pause':
      case 'resume':
        if (verb === 'pause') node.pause();
        else node.resume();
        logger.warn({ verb }, `control plane: node ${verb}d`);
        return { status: 200, body: { ok: true } };
      case 'snapshot':
        return { status: 200, body: { ok: true, index: await node.snapshot() } };
      default:
        return { status: 404, body: { error: `unknown control verb '${verb}'` } };
    }
  }

  private changeRules(verb: string, body: Record<string, unknown>, change: (rules: LinkRules) => void): Answer {
    change(this.rules);
    const state = this.rules.state();
    this.options.node.setLinkRules(state);
    this.options.logger.warn({ verb, request: body, cuts: state.cuts.length, degradedLinks: state.links.length }, `control plane: ${verb}`);
    return { status: 200, body: { ok: true, linkRules: state } };
  }

  private member(raw: unknown): NodeId {
    const members = this.options.members;
    if (typeof raw !== 'number' || !members.includes(raw)) {
      throw new BadRequest(`${JSON.stringify(raw) ?? String(raw)} is not a member (members: ${members.join(', ')})`);
    }
    return raw;
  }

  private status(): ControlStatus {
    const { node, members } = this.options;
    return { id: node.id, members: [...members], endpoints: node.endpoints, status: node.status(), linkRules: this.rules.state() };
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest('body must be JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest('body must be a JSON object');
  return value as Record<string, unknown>;
}

const SETTING_NAMES: readonly string[] = ['delayMs', 'jitterMs', 'lossRate', 'duplicateRate', 'reorder'];

function linkSettings(raw: unknown): Partial<LinkSettings> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequest('settings must be an object');
  for (const [name, value] of Object.entries(raw)) {
    if (!SETTING_NAMES.includes(name)) throw new BadRequest(`unknown link setting '${name}' (${SETTING_NAMES.join(', ')})`);
    if (name === 'reorder' ? typeof value !== 'boolean' : typeof value !== 'number') throw new BadRequest(`link setting ${name} has the wrong type`);
  }
  return raw as Partial<LinkSettings>;
}

function send(response: http.ServerResponse, answer: Answer): void {
  const body = JSON.stringify(answer.body);
  response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
