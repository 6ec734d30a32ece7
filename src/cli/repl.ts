/**
 * The interactive loop of `kv-sim up`: reads lines with node:readline (line editing and history
 * on a terminal), runs them one at a time, prints the result and a prompt.
 *
 * When stdin is not a terminal (a pipe, a test driving the REPL), lines are still read one by
 * one and the prompt is printed on a line of its own after every result, so a reader can tell
 * where each answer ends.
 */
import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { runReplLine, type ReplContext } from './repl_exec.js';

export const REPL_PROMPT = 'kv-sim> ';
const HISTORY_SIZE = 1000;

export interface ReplOptions {
  input: Readable;
  output: Writable;
  /** Line editing, history and Ctrl-C handling; false for pipes. */
  terminal: boolean;
  context: ReplContext;
  /** Aborting it ends the loop (SIGINT/SIGTERM when stdin is not a terminal). */
  signal?: AbortSignal;
}

/** Why the loop ended: `exit` typed, end of input (Ctrl-D, pipe closed), or Ctrl-C. */
export type ReplEnd = 'exit' | 'end-of-input' | 'interrupt';

/** Runs until the user leaves; resolves with the reason. Never rejects on bad input. */
export async function runRepl(options: ReplOptions): Promise<ReplEnd> {
  const { input, output, terminal, context } = options;
  const rl = readline.createInterface({
    input,
    output,
    terminal,
    prompt: REPL_PROMPT,
    historySize: terminal ? HISTORY_SIZE : 0,
    removeHistoryDuplicates: true,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  let end: ReplEnd = 'end-of-input';
  options.signal?.addEventListener('abort', () => {
    end = 'interrupt';
  });
  rl.on('SIGINT', () => {
    end = 'interrupt';
    rl.close();
  });
  const prompt = (): void => {
    if (terminal) rl.prompt();
    else output.write(`${REPL_PROMPT.trimEnd()}\n`);
  };
  prompt();
  try {
    // The async iterator queues lines that arrive while a command is still running, so a
    // piped script runs in order, one command at a time.
    for await (const line of rl) {
      const outcome = await runReplLine(line, context);
      if (outcome.kind === 'exit') {
        end = 'exit';
        break;
      }
      if (outcome.text !== '') output.write(`${outcome.text}\n`);
      prompt();
    }
  } finally {
    rl.close();
  }
  return end;
}
