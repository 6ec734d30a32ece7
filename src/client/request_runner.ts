/**
 * Runs one command until it has a final answer or its deadline passes: picks the node (the
 * leader when known), sends, follows not-leader hints, backs off and retries on lost connections
 * and on the server's retryable refusals. A write keeps its session sequence across every retry,
 * which is what makes retrying a write whose reply was lost safe.
 */
import type { RespValue } from '../lib/resp/index.js';
import type { NodeAddress } from './address.js';
import type { CommandSpec } from './commands.js';
import type { Connection } from './connection.js';
import { KvClosedError, KvCommandError, KvSessionExpiredError, KvTimeoutError } from './errors.js';
import type { NodePool, ReadConsistency } from './node_pool.js';
import { classifyError, sequencedCommand, sessionCommand } from './protocol.js';
import type { ClientSession, WriteTicket } from './session.js';

export interface RunnerSettings {
  /** Longest wait for one attempt's reply before trying elsewhere (the call's deadline still holds). */
  attemptTimeoutMs: number;
  /** First retry delay; doubles per failed attempt up to backoffMaxMs, with jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface CallOptions {
  timeoutMs: number;
  consistency: ReadConsistency;
}

/** Hints followed in a row without waiting; beyond, the client backs off as after a failure. */
const MAX_IMMEDIATE_REDIRECTS = 3;

type Attempt = { kind: 'reply'; value: RespValue } | { kind: 'failed'; reason: string } | { kind: 'no-reply' };

/** What the loop does after an attempt that did not settle the call. */
type Next = { delay: boolean; failure: string };

export class RequestRunner {
  private readonly pool: NodePool;
  private readonly session: ClientSession;
  private readonly settings: RunnerSettings;
  private closed = false;

  constructor(pool: NodePool, session: ClientSession, settings: RunnerSettings) {
    this.pool = pool;
    this.session = session;
    this.settings = settings;
  }

  close(): void {
    this.closed = true;
  }

  async run<T>(spec: CommandSpec<T>, options: CallOptions): Promise<T> {
    if (this.closed) throw new KvClosedError(`${spec.name}: the client is closed`);
    const deadlineMs = Date.now() + options.timeoutMs;
    let ticket: WriteTicket | null = null;
    if (spec.write) {
      ticket = await this.session.begin(deadlineMs);
      if (ticket === null) throw new KvTimeoutError(spec.name, options.timeoutMs, 'waiting for an older write of this session to finish');
    }
    try {
      return await this.loop(spec, options, deadlineMs, ticket);
    } finally {
      if (ticket !== null) this.session.end(ticket);
    }
  }

  private async loop<T>(spec: CommandSpec<T>, options: CallOptions, deadlineMs: number, ticket: WriteTicket | null): Promise<T> {
    const consistency = spec.write ? 'linearizable' : options.consistency;
    let failures = 0;
    let redirects = 0;
    let lastFailure: string | null = null;
    for (;;) {
      if (this.closed) throw new KvClosedError(`${spec.name}: the client was closed`);
      const remainingMs = deadlineMs - Date.now();
      if (remainingMs <= 0) throw new KvTimeoutError(spec.name, options.timeoutMs, lastFailure);
      const node = this.pool.leader ?? this.pool.nextCandidate();
      const attempt = await this.attempt(node, spec, consistency, ticket, Math.min(remainingMs, this.settings.attemptTimeoutMs));
      if (attempt.kind === 'reply' && attempt.value.type !== 'error') return spec.decode(attempt.value);
      const next = this.handleFailure(spec, node, attempt, ticket);
      lastFailure = next.failure;
      // Following a hint is immediate, but nodes that keep pointing at each other (a leader change
      // in progress) must not make the client spin.
      redirects = next.delay ? 0 : redirects + 1;
      if (next.delay || redirects > MAX_IMMEDIATE_REDIRECTS) {
        failures++;
        await this.backoff(failures, deadlineMs);
      }
    }
  }

  /** Throws for final errors; otherwise updates the leader guess and says whether to wait first. */
  private handleFailure(spec: CommandSpec<unknown>, node: NodeAddress, attempt: Attempt, ticket: WriteTicket | null): Next {
    if (attempt.kind === 'failed') {
      this.pool.forgetLeader(node);
      return { delay: true, failure: attempt.reason };
    }
    if (attempt.kind === 'no-reply') {
      this.pool.forgetLeader(node);
      return { delay: false, failure: `no reply from ${node.key} within ${this.settings.attemptTimeoutMs} ms` };
    }
    const message = attempt.value.type === 'error' ? attempt.value.message : '';
    const kind = classifyError(message);
    switch (kind.kind) {
      case 'not-leader': {
        const leader = kind.address === null ? null : this.pool.learnLeader(kind.address);
        if (leader === null || leader.key === node.key) {
          this.pool.forgetLeader(node);
          return { delay: true, failure: `${node.key}: ${message}` };
        }
        return { delay: false, failure: `${node.key}: ${message}` };
      }
      case 'retry':
        // TIMEOUT or a dropped proposal often means leadership moved: ask around again.
        this.pool.forgetLeader(node);
        return { delay: true, failure: `${node.key}: ${message}` };
      case 'session-expired':
        if (ticket !== null) this.session.renew(ticket.sessionId);
        throw new KvSessionExpiredError(`${spec.name}: ${message}`);
      case 'command':
        throw new KvCommandError(message);
    }
  }

  /** One send on `node`'s connection, waiting at most `waitMs` for the reply. */
  private attempt(
    node: NodeAddress,
    spec: CommandSpec<unknown>,
    consistency: ReadConsistency,
    ticket: WriteTicket | null,
    waitMs: number,
  ): Promise<Attempt> {
    const connection = this.pool.connection(node, consistency);
    let sessionRefusal: string | null = null;
    if (ticket !== null && connection.announcedSession !== ticket.sessionId) {
      // Pipelined ahead of the write: replies come in order, so its answer arrives first.
      connection.announcedSession = ticket.sessionId;
      connection.send(sessionCommand(ticket.sessionId), (outcome) => {
        if (outcome.ok && outcome.value.type === 'error') sessionRefusal = outcome.value.message;
      });
    }
    const args = ticket === null ? spec.args : sequencedCommand(ticket.sequence, spec.args);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // The node owes replies and sends nothing: treat it as stuck so every caller moves on.
        if (connection.stalledFor(waitMs)) connection.destroy(`${node.key}: no reply within ${waitMs} ms`);
        resolve({ kind: 'no-reply' });
      }, waitMs);
      connection.send(args, (outcome) => {
        clearTimeout(timer);
        if (!outcome.ok) resolve({ kind: 'failed', reason: outcome.error.message });
        else if (sessionRefusal !== null) resolve({ kind: 'reply', value: refusedSession(sessionRefusal) });
        else resolve({ kind: 'reply', value: outcome.value });
      });
    });
  }

  private async backoff(failures: number, deadlineMs: number): Promise<void> {
    const ceilingMs = Math.min(this.settings.backoffMaxMs, this.settings.backoffBaseMs * 2 ** Math.min(failures - 1, 16));
    // Full jitter spreads the retries of many callers after a leader change.
    const delayMs = Math.min(ceilingMs * (0.5 + Math.random() / 2), Math.max(0, deadlineMs - Date.now()));
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

function refusedSession(message: string): RespValue {
  // Surfaces as a command error: a server that refuses our session id will refuse it again.
  return { type: 'error', message: `ERR client session refused: ${message}` };
}
