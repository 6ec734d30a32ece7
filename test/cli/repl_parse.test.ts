import { describe, it, expect } from 'vitest';
import { parseReplLine, type ParseResult } from '../../src/cli/repl_parse.js';
import { tokenize } from '../../src/cli/repl_tokens.js';

function command(line: string): unknown {
  const result = parseReplLine(line);
  if (!result.ok) throw new Error(`expected '${line}' to parse, got: ${result.error}`);
  return result.command;
}

function error(line: string): string {
  const result: ParseResult = parseReplLine(line);
  if (result.ok) throw new Error(`expected '${line}' to be rejected, got ${JSON.stringify(result.command)}`);
  return result.error;
}

describe('tokenize', () => {
  it('splits on any run of whitespace', () => {
    expect(tokenize('  SET  k\tv ')).toEqual({ ok: true, words: ['SET', 'k', 'v'] });
  });
  it('keeps quoted values with spaces as one word, empty quotes as an empty word', () => {
    expect(tokenize(`SET k "a value with spaces"`)).toEqual({ ok: true, words: ['SET', 'k', 'a value with spaces'] });
    expect(tokenize(`SET k 'single "quoted"'`)).toEqual({ ok: true, words: ['SET', 'k', 'single "quoted"'] });
    expect(tokenize('SET k ""')).toEqual({ ok: true, words: ['SET', 'k', ''] });
  });
  it('understands backslash escapes inside double quotes', () => {
    expect(tokenize(String.raw`SET k "say \"hi\"\n"`)).toEqual({ ok: true, words: ['SET', 'k', 'say "hi"\n'] });
  });
  it('joins a quoted part with the word around it', () => {
    expect(tokenize('SET k a"b c"d')).toEqual({ ok: true, words: ['SET', 'k', 'ab cd'] });
  });
  it('reports an unterminated quote', () => {
    expect(tokenize('SET k "oops')).toEqual({ ok: false, error: 'unterminated double quote' });
  });
});

describe('parseReplLine: KV commands', () => {
  it('parses SET, GET and DEL case-insensitively', () => {
    expect(command('set k v')).toEqual({ type: 'kv', name: 'SET', args: ['k', 'v'] });
    expect(command('GET k')).toEqual({ type: 'kv', name: 'GET', args: ['k'] });
    expect(command('del a b c')).toEqual({ type: 'kv', name: 'DEL', args: ['a', 'b', 'c'] });
  });
  it('takes quoted values', () => {
    expect(command('SET k "a value with spaces"')).toEqual({ type: 'kv', name: 'SET', args: ['k', 'a value with spaces'] });
  });
  it('takes --key/--value forms, with a space or an equals sign, in any order', () => {
    const expected = { type: 'kv', name: 'SET', args: ['k', 'v w'] };
    expect(command('SET --key k --value "v w"')).toEqual(expected);
    expect(command('SET --value="v w" --key=k')).toEqual(expected);
    expect(command('SET --key k "v w"')).toEqual(expected);
    expect(command('GET --key k')).toEqual({ type: 'kv', name: 'GET', args: ['k'] });
  });
  it('treats everything after -- as plain values', () => {
    expect(command('SET k -- --not-a-flag')).toEqual({ type: 'kv', name: 'SET', args: ['k', '--not-a-flag'] });
  });
  it('maps the product aliases PUT and HAS', () => {
    expect(command('put k v')).toEqual({ type: 'kv', name: 'SET', args: ['k', 'v'] });
    expect(command('has k')).toEqual({ type: 'kv', name: 'EXISTS', args: ['k'] });
  });
  it('passes other known KV commands through', () => {
    expect(command('INCR counter')).toEqual({ type: 'kv', name: 'INCR', args: ['counter'] });
    expect(command('append k more')).toEqual({ type: 'kv', name: 'APPEND', args: ['k', 'more'] });
  });
  it('rejects wrong arity and unknown options with the usage', () => {
    expect(error('SET k')).toBe('wrong number of arguments, usage: SET key value');
    expect(error('SET k v extra')).toBe('wrong number of arguments, usage: SET key value');
    expect(error('GET')).toBe('wrong number of arguments, usage: GET key');
    expect(error('DEL')).toBe('wrong number of arguments, usage: DEL key [key ...]');
    expect(error('SET --ttl 5 k v')).toBe("SET: unknown option '--ttl' (use --key, --value)");
    expect(error('SET k --value')).toBe('SET: --value needs a value');
  });
});

describe('parseReplLine: faults', () => {
  it('parses the single-node verbs', () => {
    for (const verb of ['crash', 'restart', 'isolate', 'pause', 'resume']) {
      expect(command(`${verb} 3`)).toEqual({ type: verb, node: 3 });
      expect(command(`${verb.toUpperCase()} 3`)).toEqual({ type: verb, node: 3 });
    }
  });
  it('rejects missing, extra or malformed node ids', () => {
    expect(error('crash')).toBe('usage: crash NODE');
    expect(error('crash 1 2')).toBe('usage: crash NODE');
    expect(error('crash x')).toBe("'x' is not a node id (a positive integer)");
    expect(error('crash 0')).toBe("'0' is not a node id (a positive integer)");
    expect(error('crash -1')).toBe("'-1' is not a node id (a positive integer)");
    expect(error('crash 1.5')).toBe("'1.5' is not a node id (a positive integer)");
  });
  it('parses partitions into groups', () => {
    expect(command('partition 1,2 3,4,5')).toEqual({ type: 'partition', groups: [[1, 2], [3, 4, 5]] });
    expect(command('partition 1 2,3')).toEqual({ type: 'partition', groups: [[1], [2, 3]] });
  });
  it('rejects a node in two groups, empty groups and no groups', () => {
    expect(error('partition 1,2 2,3')).toBe('node 2 appears in more than one group');
    expect(error('partition ,')).toBe("empty group ','");
    expect(error('partition')).toMatch(/^usage: partition/);
    expect(error('partition 1,a')).toBe("'a' is not a node id (a positive integer)");
  });
  it('parses oneway and heal', () => {
    expect(command('oneway 1 2')).toEqual({ type: 'oneway', from: 1, to: 2 });
    expect(error('oneway 1 1')).toBe('a link joins two different nodes, got 1 twice');
    expect(error('oneway 1')).toMatch(/^usage: oneway FROM TO/);
    expect(command('heal')).toEqual({ type: 'heal' });
    expect(error('heal now')).toBe('heal takes no arguments');
  });
  it('parses link settings with short or API names', () => {
    expect(command('link 1 2 delay=50 jitter=10 loss=0.1 dup=0.05')).toEqual({
      type: 'link',
      a: 1,
      b: 2,
      settings: { delayMs: 50, jitterMs: 10, lossRate: 0.1, duplicateRate: 0.05 },
    });
    expect(command('link 2 3 delayMs=5 reorder=on')).toEqual({
      type: 'link',
      a: 2,
      b: 3,
      settings: { delayMs: 5, reorder: true },
    });
  });
  it('resets a link to healthy', () => {
    expect(command('link 1 2 reset')).toEqual({
      type: 'link',
      a: 1,
      b: 2,
      settings: { delayMs: 0, jitterMs: 0, lossRate: 0, duplicateRate: 0, reorder: false },
    });
  });
  it('rejects bad link settings', () => {
    expect(error('link 1 2')).toMatch(/^link needs at least one setting/);
    expect(error('link 1 2 loss=1.5')).toBe('loss is a probability in [0, 1], got 1.5');
    expect(error('link 1 2 delay=-1')).toBe("delay must be a decimal number >= 0, got '-1'");
    expect(error('link 1 2 delay=')).toBe("delay must be a decimal number >= 0, got ''");
    expect(error('link 1 2 delay=0x10')).toBe("delay must be a decimal number >= 0, got '0x10'");
    expect(error('link 1 2 loss=1e-1')).toBe("loss must be a decimal number >= 0, got '1e-1'");
    expect(error('link 1 2 speed=9')).toBe("unknown link setting 'speed' (delay, jitter, loss, dup, reorder)");
    expect(error('link 1 2 delay')).toBe("link setting 'delay' is not NAME=VALUE");
    expect(error('link 1 2 reorder=maybe')).toBe("reorder must be on or off, got 'maybe'");
  });
  it('bounds delay and jitter at one hour', () => {
    expect(error('link 1 5 delay=3000000000')).toBe('delay must be at most 3600000 ms (one hour), got 3000000000');
    expect(error('link 1 2 jitter=3600001')).toBe('jitter must be at most 3600000 ms (one hour), got 3600001');
    expect(command('link 1 2 delay=3600000 jitter=3600000')).toEqual({
      type: 'link',
      a: 1,
      b: 2,
      settings: { delayMs: 3_600_000, jitterMs: 3_600_000 },
    });
  });
});

describe('parseReplLine: control words', () => {
  it('parses status, help, exit and quit; an empty line is a no-op', () => {
    expect(command('status')).toEqual({ type: 'status' });
    expect(command('HELP')).toEqual({ type: 'help' });
    expect(command('exit')).toEqual({ type: 'exit' });
    expect(command('quit')).toEqual({ type: 'exit' });
    expect(command('   ')).toEqual({ type: 'empty' });
  });
  it('names an unknown command in one line', () => {
    expect(error('crsh 1')).toBe("unknown command 'crsh' (type help for the list)");
  });
});
