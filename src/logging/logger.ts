/**
 * The one pino importer. Workers write JSON lines (cheap: ~3 µs a line); the main thread turns
 * them into readable single lines only when a person is watching (stdout is a TTY), because
 * prettifying costs ~4x more and JSON is what a pipe or a log collector wants.
 */
import type { Writable } from 'node:stream';
import { pino } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Logger } from '../ports/logger.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty' | 'auto';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export interface LoggerOptions {
  level: LogLevel;
  /** Fields added to every line, e.g. `{ node: 3 }`. */
  bindings?: Record<string, unknown>;
  /** 'auto' (default): pretty when the destination is a TTY, JSON otherwise. */
  format?: LogFormat;
  /** Default: process.stdout. */
  destination?: Writable;
}

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** A Logger (src/ports/logger.ts) backed by pino. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const pretty = wantsPretty(options.format ?? 'auto', destination);
  const stream = pretty ? prettyStreamFor(destination) : destination;
  const base = pino({ level: options.level, base: options.bindings ?? {} }, stream);
  return wrap(base);
}

/**
 * Where the supervisor pipes each worker's stdout (JSON lines): prettified on a TTY, passed
 * through as they are otherwise.
 */
export function createLogSink(format: LogFormat = 'auto', destination: Writable = process.stdout): Writable {
  return wantsPretty(format, destination) ? prettyStreamFor(destination) : destination;
}

/**
 * One pretty stream per destination for the whole process. Each one pipes into its destination
 * and adds listeners to it that stay for good: a stream per worker, restart or cluster piled them
 * up on stdout (a warning after ten, and a leak over a long session).
 */
const prettyStreams = new WeakMap<Writable, Writable>();

function prettyStreamFor(destination: Writable): Writable {
  let stream = prettyStreams.get(destination);
  if (stream === undefined) {
    stream = prettyStream(destination);
    prettyStreams.set(destination, stream);
  }
  return stream;
}

function wantsPretty(format: LogFormat, destination: Writable): boolean {
  if (format !== 'auto') return format === 'pretty';
  return (destination as Writable & { isTTY?: boolean }).isTTY === true;
}

function prettyStream(destination: Writable): Writable {
  return pinoPretty({
    singleLine: true,
    colorize: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    destination,
    sync: true,
  });
}

function wrap(base: pino.Logger): Logger {
  return {
    debug: (fields, message) => base.debug(fields, message),
    info: (fields, message) => base.info(fields, message),
    warn: (fields, message) => base.warn(fields, message),
    error: (fields, message) => base.error(fields, message),
  };
}
