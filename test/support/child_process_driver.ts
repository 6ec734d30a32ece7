/**
 * The machinery every test wrapper of a child process shares: spawn it with pipes, accumulate its
 * stdout and stderr, wait for a condition on that output with a bounded deadline (never a bare
 * sleep), and kill it and wait until it is gone. A failed wait says what it waited for and shows
 * the output so far, so a failing test explains itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ChildProcessDriver {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  /** Settles on 'close' (not 'exit'): it comes after the last output has been read from the pipes. */
  readonly closed: Promise<ProcessExit>;
  /** Names the process in the errors of a failed wait. */
  private readonly label: string;
  private hasClosed = false;
  private waiters: Array<() => void> = [];

  /** `command` is the program and its arguments; `env` is the whole environment it gets. */
  constructor(command: string[], env: Record<string, string>, label: string) {
    this.label = label;
    this.child = spawn(command[0] as string, command.slice(1), { env, stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => this.append('stdout', chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.append('stderr', chunk));
    this.closed = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.hasClosed = true;
        this.wake();
        resolve({ code, signal });
      }),
    );
  }

  get running(): boolean {
    return !this.hasClosed;
  }

  /** Sends `signal` (SIGKILL by default) unless the process has already ended; resolves once it is gone. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> {
    if (this.running) this.child.kill(signal);
    return this.closed;
  }

  /** The output a failed wait shows; a wrapper whose output is long may show less. */
  protected outputSoFar(): string {
    return `stdout:\n${this.stdout}\nstderr:\n${this.stderr}`;
  }

  /**
   * Resolves with the first value `check` returns (not null or undefined), checked now and after
   * every chunk of output; rejects at the deadline or when the process ends first.
   */
  protected waitFor<T>(check: () => T | null | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}\n${this.outputSoFar()}`));
      }, timeoutMs);
      const attempt = (): void => {
        const value = check();
        if (value !== null && value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (this.hasClosed) {
          clearTimeout(timer);
          const ending = this.child.exitCode ?? this.child.signalCode;
          reject(new Error(`${this.label}: exited (${ending}) before ${what}\n${this.outputSoFar()}`));
        } else {
          this.waiters.push(attempt);
        }
      };
      attempt();
    });
  }

  private append(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    this[stream] += chunk.toString('utf8');
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
