/**
 * Parses one REPL line into a command value. Pure: no cluster, no I/O, so every rule about what
 * a user may type is unit-tested here, and bad input becomes an error value, never an exception.
 */
import type { NodeId } from '../core/types.js';
import { HEALTHY_LINK, LINK_DELAY_MAX_MS, type LinkSettings } from '../ports/transport.js';
import { tokenize } from './repl_tokens.js';

export type NodeVerb = 'crash' | 'restart' | 'isolate' | 'pause' | 'resume';

export type ReplCommand =
  | { type: 'empty' }
  | { type: 'kv'; name: string; args: string[] }
  | { type: NodeVerb; node: NodeId }
  | { type: 'partition'; groups: NodeId[][] }
  | { type: 'oneway'; from: NodeId; to: NodeId }
  | { type: 'heal' }
  | { type: 'link'; a: NodeId; b: NodeId; settings: Partial<LinkSettings> }
  | { type: 'status' }
  /** Snapshot a node now (the leader when none is named). */
  | { type: 'snapshot'; node: NodeId | null }
  | { type: 'logsize' }
  | { type: 'help' }
  | { type: 'exit' };

export type ParseResult = { ok: true; command: ReplCommand } | { ok: false; error: string };

/** KV commands the REPL knows; each maps to its argument count (max -1 = no upper bound). */
const KV_ARITY: Record<string, { min: number; max: number; usage: string }> = {
  SET: { min: 2, max: 2, usage: 'SET key value' },
  GET: { min: 1, max: 1, usage: 'GET key' },
  DEL: { min: 1, max: -1, usage: 'DEL key [key ...]' },
  EXISTS: { min: 1, max: -1, usage: 'EXISTS key [key ...]' },
  APPEND: { min: 2, max: 2, usage: 'APPEND key value' },
  INCR: { min: 1, max: 1, usage: 'INCR key' },
  INCRBY: { min: 2, max: 2, usage: 'INCRBY key delta' },
  MGET: { min: 1, max: -1, usage: 'MGET key [key ...]' },
  CAS: { min: 3, max: 3, usage: 'CAS key expected new' },
  KEYS: { min: 0, max: 1, usage: 'KEYS [pattern]' },
  STRLEN: { min: 1, max: 1, usage: 'STRLEN key' },
  DBSIZE: { min: 0, max: 0, usage: 'DBSIZE' },
};

/** The product's alternative names (PUT for SET, HAS for EXISTS). */
const KV_ALIASES: Record<string, string> = { PUT: 'SET', HAS: 'EXISTS' };

const NODE_VERBS: readonly string[] = ['crash', 'restart', 'isolate', 'pause', 'resume'];

/** Node ids are small positive integers; the cluster itself rejects ids it does not have. */
const NODE_ID_MAX = 1_000_000;

export function parseReplLine(line: string): ParseResult {
  const tokens = tokenize(line);
  if (!tokens.ok) return tokens;
  const [head, ...rest] = tokens.words;
  if (head === undefined) return ok({ type: 'empty' });
  const verb = head.toLowerCase();
  const kvName = KV_ALIASES[head.toUpperCase()] ?? head.toUpperCase();
  if (KV_ARITY[kvName] !== undefined) return parseKv(kvName, rest);
  if (NODE_VERBS.includes(verb)) return parseNodeVerb(verb as NodeVerb, rest);
  switch (verb) {
    case 'partition':
      return parsePartition(rest);
    case 'oneway':
      return parseOneWay(rest);
    case 'link':
      return parseLink(rest);
    case 'snapshot':
      return parseSnapshot(rest);
    case 'logsize':
    case 'heal':
    case 'status':
    case 'help':
    case 'exit':
      return noArgs(verb, rest);
    case 'quit':
      return noArgs('exit', rest);
    default:
      return fail(`unknown command '${head}' (type help for the list)`);
  }
}

function parseKv(name: string, words: string[]): ParseResult {
  const spec = KV_ARITY[name];
  if (spec === undefined) return fail(`unknown command '${name}'`);
  const positional: string[] = [];
  let key: string | undefined;
  let value: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === '--') {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const flag = eq === -1 ? word.slice(2) : word.slice(2, eq);
    let flagValue: string | undefined = eq === -1 ? undefined : word.slice(eq + 1);
    if (flag !== 'key' && flag !== 'value') return fail(`${name}: unknown option '--${flag}' (use --key, --value)`);
    if (flagValue === undefined) {
      flagValue = words[i + 1];
      i += 1;
      if (flagValue === undefined) return fail(`${name}: --${flag} needs a value`);
    }
    if (flag === 'key') key = flagValue;
    else value = flagValue;
  }
  if (key === undefined) key = positional.shift();
  const args = key === undefined ? [] : [key];
  if (value !== undefined) args.push(value);
  args.push(...positional);
  if (args.length < spec.min || (spec.max >= 0 && args.length > spec.max)) {
    return fail(`wrong number of arguments, usage: ${spec.usage}`);
  }
  return ok({ type: 'kv', name, args });
}

function parseNodeVerb(verb: NodeVerb, words: string[]): ParseResult {
  if (words.length !== 1) return fail(`usage: ${verb} NODE`);
  const node = parseNodeId(words[0] as string);
  if (typeof node === 'string') return fail(node);
  return ok({ type: verb, node });
}

function parseSnapshot(words: string[]): ParseResult {
  if (words.length > 1) return fail('usage: snapshot [NODE] (the leader when no node is given)');
  if (words.length === 0) return ok({ type: 'snapshot', node: null });
  const node = parseNodeId(words[0] as string);
  if (typeof node === 'string') return fail(node);
  return ok({ type: 'snapshot', node });
}

function parsePartition(words: string[]): ParseResult {
  if (words.length === 0) return fail('usage: partition 1,2 3,4,5 (groups of node ids separated by spaces)');
  const groups: NodeId[][] = [];
  const seen = new Set<NodeId>();
  for (const word of words) {
    const group: NodeId[] = [];
    for (const part of word.split(',')) {
      if (part === '') continue;
      const node = parseNodeId(part);
      if (typeof node === 'string') return fail(node);
      if (seen.has(node)) return fail(`node ${node} appears in more than one group`);
      seen.add(node);
      group.push(node);
    }
    if (group.length === 0) return fail(`empty group '${word}'`);
    groups.push(group);
  }
  return ok({ type: 'partition', groups });
}

function parseOneWay(words: string[]): ParseResult {
  const pair = parsePair('oneway FROM TO (cuts messages from FROM to TO)', words);
  if (!pair.ok) return pair;
  return ok({ type: 'oneway', from: pair.a, to: pair.b });
}

type PairResult = { ok: true; a: NodeId; b: NodeId } | { ok: false; error: string };

function parsePair(usage: string, words: string[]): PairResult {
  if (words.length !== 2) return { ok: false, error: `usage: ${usage}` };
  const a = parseNodeId(words[0] as string);
  if (typeof a === 'string') return { ok: false, error: a };
  const b = parseNodeId(words[1] as string);
  if (typeof b === 'string') return { ok: false, error: b };
  if (a === b) return { ok: false, error: `a link joins two different nodes, got ${a} twice` };
  return { ok: true, a, b };
}

const LINK_USAGE = 'link A B [delay=MS] [jitter=MS] [loss=P] [dup=P] [reorder=on|off] | link A B reset';

function parseLink(words: string[]): ParseResult {
  const pair = parsePair(LINK_USAGE, words.slice(0, 2));
  if (!pair.ok) return pair;
  const settingWords = words.slice(2);
  if (settingWords.length === 0) return fail(`link needs at least one setting, usage: ${LINK_USAGE}`);
  if (settingWords.length === 1 && settingWords[0]?.toLowerCase() === 'reset') {
    return ok({ type: 'link', a: pair.a, b: pair.b, settings: { ...HEALTHY_LINK } });
  }
  const settings: Partial<LinkSettings> = {};
  for (const word of settingWords) {
    const error = applyLinkSetting(settings, word);
    if (error !== null) return fail(error);
  }
  return ok({ type: 'link', a: pair.a, b: pair.b, settings });
}

/** Short REPL names, and the API's own names, for each link setting. */
const LINK_KEYS: Record<string, keyof LinkSettings> = {
  delay: 'delayMs',
  delayms: 'delayMs',
  jitter: 'jitterMs',
  jitterms: 'jitterMs',
  loss: 'lossRate',
  lossrate: 'lossRate',
  dup: 'duplicateRate',
  duplicate: 'duplicateRate',
  duplicaterate: 'duplicateRate',
  reorder: 'reorder',
};

function applyLinkSetting(settings: Partial<LinkSettings>, word: string): string | null {
  const eq = word.indexOf('=');
  if (eq <= 0) return `link setting '${word}' is not NAME=VALUE`;
  const name = word.slice(0, eq).toLowerCase();
  const raw = word.slice(eq + 1);
  const key = LINK_KEYS[name];
  if (key === undefined) return `unknown link setting '${name}' (delay, jitter, loss, dup, reorder)`;
  if (key === 'reorder') {
    const flag = parseBoolean(raw);
    if (flag === null) return `reorder must be on or off, got '${raw}'`;
    settings.reorder = flag;
    return null;
  }
  // Plain decimals only: Number() would also take 0x10 (16) and 1e3.
  const value = /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || value < 0) return `${name} must be a decimal number >= 0, got '${raw}'`;
  if ((key === 'lossRate' || key === 'duplicateRate') && value > 1) {
    return `${name} is a probability in [0, 1], got ${raw}`;
  }
  if ((key === 'delayMs' || key === 'jitterMs') && value > LINK_DELAY_MAX_MS) {
    return `${name} must be at most ${LINK_DELAY_MAX_MS} ms (one hour), got ${raw}`;
  }
  settings[key] = value;
  return null;
}

function parseBoolean(raw: string): boolean | null {
  const lower = raw.toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(lower)) return true;
  if (['off', 'false', 'no', '0'].includes(lower)) return false;
  return null;
}

function parseNodeId(word: string): NodeId | string {
  if (!/^\d+$/.test(word)) return `'${word}' is not a node id (a positive integer)`;
  const id = Number(word);
  if (id < 1 || id > NODE_ID_MAX) return `'${word}' is not a node id (a positive integer)`;
  return id;
}

function noArgs(verb: 'heal' | 'status' | 'logsize' | 'help' | 'exit', words: string[]): ParseResult {
  if (words.length > 0) return fail(`${verb} takes no arguments`);
  return ok({ type: verb });
}

function ok(command: ReplCommand): ParseResult {
  return { ok: true, command };
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}
