/**
 * One node worker seen from the supervisor: spawn it, wait until it reports ready, call its
 * control surface with deadlines (a terminated worker never answers comlink calls), forward its
 * events, and notice when it dies on its own.
 */
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { wrap, releaseProxy, type Remote } from 'comlink';
import type { NodeId } from '../core/types.js';
import type { NodeConfig } from '../runtime/node_config.js';
import { ClusterError, NodeStartFailed } from './cluster_error.js';
import { nodeEndpoint } from './comlink_endpoint.js';
import type { NodeControl, NodeWorkerData, WorkerEvent } from './worker_protocol.js';

/** Generous: under load on 2 cores, loading SQLite's wasm in several workers at once is slow. */
export const WORKER_START_TIMEOUT_MS = 30_000;
export const CONTROL_CALL_TIMEOUT_MS = 5_000;

type ReadyEvent = Extract<WorkerEvent, { type: 'ready' }>;

export interface WorkerHandleOptions {
  config: NodeConfig;
  transferList: TransferListItem[];
  logSink: Writable | null;
  onEvent: (event: WorkerEvent) => void;
  /** Called once when the worker exits; `expected` is false for a crash we did not ask for. */
  onExit: (expected: boolean, reason: string) => void;
}

/** The compiled worker entry. Workers cannot start from .ts on Node 20, so source runs use dist/. */
export function workerEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  const fromDist = new URL('../../workers/node_worker.js', import.meta.url);
  const fromSource = new URL('../../dist/workers/node_worker.js', import.meta.url);
  const path = fileURLToPath(here.endsWith('.ts') ? fromSource : fromDist);
  if (!existsSync(path)) {
    throw new ClusterError(`worker entry ${path} is missing: run \`npm run build\` first`);
  }
  return path;
}

export class WorkerHandle {
  readonly id: NodeId;
  readonly ready: ReadyEvent;
  private readonly worker: Worker;
  private readonly control: Remote<NodeControl>;
  private readonly exited: Promise<void>;
  private exitRequested = false;
  private hasExited = false;

  private constructor(id: NodeId, worker: Worker, ready: ReadyEvent, exited: Promise<void>, flags: ExitFlags) {
    this.id = id;
    this.worker = worker;
    this.ready = ready;
    this.exited = exited;
    this.control = wrap<NodeControl>(nodeEndpoint(worker));
    flags.bind(this);
  }

  static async spawn(options: WorkerHandleOptions): Promise<WorkerHandle> {
    const id = options.config.id;
    const events = new MessageChannel();
    const workerData: NodeWorkerData = { config: options.config, eventPort: events.port2, spawnedAtEpochMs: performance.timeOrigin + performance.now() };
    const worker = new Worker(workerEntryPath(), {
      workerData,
      transferList: [events.port2, ...options.transferList],
      stdout: true,
    });
    if (options.logSink !== null) worker.stdout.pipe(options.logSink, { end: false });
    else worker.stdout.resume();
    const flags = new ExitFlags();
    const start: StartState = { failure: null, portUnavailable: null };
    const exited = new Promise<void>((resolve) => {
      worker.on('error', (error) => {
        start.failure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      });
      worker.on('exit', (code) => {
        events.port1.close();
        flags.markExited();
        options.onExit(flags.expected(), start.failure ?? `exit code ${code}`);
        resolve();
      });
    });
    const ready = await waitForReady(id, events.port1, exited, start, options.onEvent);
    if (ready === null) {
      await worker.terminate();
      await exited;
      throw new NodeStartFailed(`node ${id} failed to start: ${start.failure ?? 'worker exited during start'}`, start.portUnavailable);
    }
    return new WorkerHandle(id, worker, ready, exited, flags);
  }

  get alive(): boolean {
    return !this.hasExited;
  }

  /** Runs one control call, failing clearly if the worker dies or hangs instead of answering. */
  async call<T>(what: string, fn: (control: Remote<NodeControl>) => Promise<T>, timeoutMs = CONTROL_CALL_TIMEOUT_MS): Promise<T> {
    if (this.hasExited) throw new ClusterError(`node ${this.id} is down (${what})`);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ClusterError(`node ${this.id} did not answer ${what} within ${timeoutMs} ms`)), timeoutMs);
    });
    const died = this.exited.then(() => {
      throw new ClusterError(`node ${this.id} went down during ${what}`);
    });
    try {
      return await Promise.race([fn(this.control), deadline, died]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the worker at once: volatile state is lost, files stay as they are on disk. */
  async terminate(): Promise<void> {
    this.exitRequested = true;
    this.control[releaseProxy]();
    await this.worker.terminate();
    await this.exited;
  }

  /** Asks the node to close its ports and storage, then terminates the worker either way. */
  async stop(timeoutMs: number): Promise<void> {
    this.exitRequested = true;
    try {
      await this.call('stop', (control) => control.stop(), timeoutMs);
    } catch {
      // The node is stuck or already gone: terminating it below is the fallback.
    }
    await this.terminate();
  }

  /** @internal for ExitFlags */
  setExited(): void {
    this.hasExited = true;
  }
  /** @internal for ExitFlags */
  wasExitRequested(): boolean {
    return this.exitRequested;
  }
}

/** Lets the exit listener, installed before the handle exists, see the handle's flags. */
class ExitFlags {
  private handle: WorkerHandle | null = null;
  private exitedEarly = false;
  bind(handle: WorkerHandle): void {
    this.handle = handle;
    if (this.exitedEarly) handle.setExited();
  }
  markExited(): void {
    this.exitedEarly = true;
    this.handle?.setExited();
  }
  expected(): boolean {
    return this.handle === null || this.handle.wasExitRequested();
  }
}

interface StartState {
  failure: string | null;
  portUnavailable: { port: number; code: string } | null;
}

function waitForReady(
  id: NodeId,
  port: MessageChannel['port1'],
  exited: Promise<void>,
  start: StartState,
  onEvent: (event: WorkerEvent) => void,
): Promise<ReadyEvent | null> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: ReadyEvent | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      start.failure ??= `node ${id} did not report ready within ${WORKER_START_TIMEOUT_MS} ms`;
      settle(null);
    }, WORKER_START_TIMEOUT_MS);
    // Events keep flowing after start; the listener stays for the worker's whole life.
    port.on('message', (event: WorkerEvent) => {
      if (event.type === 'ready') settle(event);
      else if (event.type === 'start-failed') {
        start.failure ??= event.message;
        start.portUnavailable ??= event.portUnavailable ?? null;
        settle(null);
      } else onEvent(event);
    });
    void exited.then(() => settle(null));
  });
}
