import { describe, it, expect } from 'vitest';
import type { Operation } from '../../src/check/history.js';
import { formatHistoryJsonLines, parseHistoryJsonLines } from '../../src/check/history_jsonl.js';
import { formatJepsenEdn, importJepsenEdn } from '../../src/check/jepsen.js';
import { checkLinearizability } from '../../src/check/linearizability.js';
import { randomHistory } from '../../src/check/random_history.js';

const byId = (ops: readonly Operation[]): Operation[] => [...ops].sort((a, b) => a.id - b.id);

function parsed(text: string): Operation[] {
  const result = parseHistoryJsonLines(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.history;
}

function firstError(text: string): { line: number; message: string } | undefined {
  const result = parseHistoryJsonLines(text);
  return result.ok ? undefined : result.errors[0];
}

describe('JSON-lines history files', () => {
  it('reads the documented example', () => {
    const text = [
      '{"type":"invoke","op":1,"client":3,"kind":"write","key":"x","input":"5","time":100}',
      '{"type":"return","op":1,"outcome":"ok","time":105}',
      '',
      '{"type":"invoke","op":2,"client":4,"kind":"cas","key":"x","input":{"expected":"5","value":"6"},"time":101}',
      '{"type":"return","op":2,"outcome":"ok","output":true,"time":107}',
      '{"type":"invoke","op":3,"client":5,"kind":"read","key":"x","time":110}',
      '{"type":"return","op":3,"outcome":"unknown"}',
      '{"type":"invoke","op":4,"client":6,"kind":"append","key":"y","input":"a","time":111}',
    ].join('\n');
    const history = parsed(text);
    expect(history).toEqual([
      { id: 1, clientId: 3, key: 'x', invokeTime: 100, returnTime: 105, outcome: 'ok', kind: 'write', input: '5', output: null },
      { id: 2, clientId: 4, key: 'x', invokeTime: 101, returnTime: 107, outcome: 'ok', kind: 'cas', input: { expected: '5', value: '6' }, output: true },
      { id: 3, clientId: 5, key: 'x', invokeTime: 110, returnTime: Infinity, outcome: 'unknown', kind: 'read', input: null, output: null },
      { id: 4, clientId: 6, key: 'y', invokeTime: 111, returnTime: Infinity, outcome: 'unknown', kind: 'append', input: 'a', output: null },
    ]);
    expect(checkLinearizability(history).verdict).toBe('linearizable');
  });

  it('writes and reads back a random history unchanged (seed 11)', () => {
    const history = randomHistory({ seed: 11, operations: 400, keys: 4, unknownRate: 0.1, failRate: 0.1 });
    const text = formatHistoryJsonLines(history);
    expect(text.split('\n').filter(Boolean)).toHaveLength(800);
    expect(byId(parsed(text))).toEqual(byId(history));
  });

  const invoke = '{"type":"invoke","op":1,"client":1,"kind":"read","key":"x","time":5}';
  const cases: Array<[what: string, text: string, line: number, message: RegExp]> = [
    ['bad JSON', `${invoke}\n{"type":"return",`, 2, /not valid JSON/],
    ['not an object', '[1,2]', 1, /must be a JSON object/],
    ['unknown type', '{"type":"call","op":1}', 1, /"type" must be "invoke" or "return"/],
    ['missing op id', '{"type":"invoke"}', 1, /"op" must be an integer op id, got nothing/],
    ['unknown kind', '{"type":"invoke","op":1,"client":1,"kind":"incr","key":"x","time":0}', 1, /"kind" must be one of read, write/],
    ['non-numeric time', '{"type":"invoke","op":1,"client":1,"kind":"read","key":"x","time":"now"}', 1, /"time" must be a finite number, got "now"/],
    ['write without input', '{"type":"invoke","op":1,"client":1,"kind":"write","key":"x","time":0}', 1, /write input must be a string/],
    ['bad cas input', '{"type":"invoke","op":1,"client":1,"kind":"cas","key":"x","input":["a","b"],"time":0}', 1, /cas input must be an object/],
    ['return never invoked', '{"type":"return","op":9,"outcome":"ok","time":1}', 1, /op 9 returns but was never invoked/],
    ['invoked twice', `${invoke}\n${invoke}`, 2, /op 1 is invoked twice/],
    ['returns twice', `${invoke}\n{"type":"return","op":1,"outcome":"ok","output":null,"time":6}\n{"type":"return","op":1,"outcome":"ok","output":null,"time":7}`, 3, /op 1 returns twice/],
    ['returns before invoke', `${invoke}\n{"type":"return","op":1,"outcome":"ok","output":null,"time":4}`, 2, /returns at 4, before its invoke at 5 \(line 1\)/],
    ['bad outcome', `${invoke}\n{"type":"return","op":1,"outcome":"timeout","time":6}`, 2, /"outcome" must be one of ok, fail, unknown/],
    ['ok read without output', `${invoke}\n{"type":"return","op":1,"outcome":"ok","time":6}`, 2, /an ok read needs "output"/],
    ['read output a number', `${invoke}\n{"type":"return","op":1,"outcome":"ok","output":3,"time":6}`, 2, /read output must be a string or null/],
  ];
  for (const [what, text, line, message] of cases) {
    it(`reports ${what} with its line number`, () => {
      const error = firstError(text);
      expect(error?.line).toBe(line);
      expect(error?.message).toMatch(message);
    });
  }

  it('reports several errors, each on its line', () => {
    const result = parseHistoryJsonLines('{"type":"invoke"}\n\nnope\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.line)).toEqual([1, 3]);
  });
});

const KNOSSOS = `; a Knossos-style register history
[{:process 0, :type :invoke, :f :write, :value 1, :time 10}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 0, :type :ok, :f :write, :value 1}
 {:process 1, :type :ok, :f :read, :value 1}
 {:process :nemesis, :type :info, :f :start, :value "partition"}
 {:process 2, :type :invoke, :f :cas, :value [1 2]}
 {:process 3, :type :invoke, :f :cas, :value [7 8]}
 {:process 3, :type :fail, :f :cas, :value [7 8]}
 {:process 2, :type :info, :f :cas, :value [1 2]}
 {:process 4, :type :invoke, :f :read, :value nil}
 {:process 4, :type :ok, :f :read, :value 2}
 {:process 5, :type :invoke, :f :write, :value "x y"}]
`;

describe('Jepsen EDN import', () => {
  it('reads ok, fail, info and dangling invokes, skipping the nemesis', () => {
    const result = importJepsenEdn(KNOSSOS);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.skippedEvents).toBe(1);
    const summary = result.history.map((op) => [op.clientId, op.kind, op.outcome, op.invokeTime, op.returnTime]);
    expect(summary).toEqual([
      [0, 'write', 'ok', 0, 2],
      [1, 'read', 'ok', 1, 3],
      [2, 'cas', 'unknown', 5, Infinity],
      [3, 'cas', 'fail', 6, 7],
      [4, 'read', 'ok', 9, 10],
      [5, 'write', 'unknown', 11, Infinity],
    ]);
    expect(result.history[4]).toMatchObject({ key: 'register', output: '2' });
    expect(result.history[2]).toMatchObject({ input: { expected: '1', value: '2' } });
    expect(result.history[5]).toMatchObject({ input: 'x y' });
    expect(checkLinearizability(result.history).verdict).toBe('linearizable');
  });

  it('finds the classic stale read', () => {
    const text = [
      '{:process 0 :type :invoke :f :write :value 1}',
      '{:process 0 :type :ok :f :write :value 1}',
      '{:process 0 :type :invoke :f :write :value 2}',
      '{:process 0 :type :ok :f :write :value 2}',
      '{:process 1 :type :invoke :f :read :value nil}',
      '{:process 1 :type :ok :f :read :value 1}',
    ].join('\n');
    const result = importJepsenEdn(text, { key: 'r' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const check = checkLinearizability(result.history);
    expect(check.verdict).toBe('not-linearizable');
    expect(check.failures[0]?.key).toBe('r');
  });

  it('round trips: EDN → history → EDN → history, and through JSON lines', () => {
    const first = importJepsenEdn(KNOSSOS);
    if (!first.ok) throw new Error('import failed');
    const edn = formatJepsenEdn(first.history);
    const again = importJepsenEdn(edn);
    if (!again.ok) throw new Error(JSON.stringify(again.errors));
    expect(again.history.map(({ id: _id, invokeTime: _i, returnTime: _r, ...rest }) => rest)).toEqual(
      first.history.map(({ id: _id, invokeTime: _i, returnTime: _r, ...rest }) => rest),
    );
    expect(formatJepsenEdn(again.history)).toBe(edn);
    expect(byId(parsed(formatHistoryJsonLines(again.history)))).toEqual(byId(again.history));
  });

  it('keeps real-time order through an export of a random register history (seed 5)', () => {
    const history = randomHistory({ seed: 5, operations: 300, keys: 1, weights: { append: 0, delete: 0 }, unknownRate: 0.05 });
    const reimported = importJepsenEdn(formatJepsenEdn(history));
    if (!reimported.ok) throw new Error(JSON.stringify(reimported.errors));
    expect(checkLinearizability(reimported.history).verdict).toBe('linearizable');
  });

  const errors: Array<[what: string, text: string, line: number, message: RegExp]> = [
    ['an unclosed map', '{:process 0 :type :invoke\n :f :read', 1, /'\{' is never closed/],
    ['an odd map', '{:process 0 :type}', 1, /even number of forms/],
    ['an unclosed string', '\n\n{:process 0 :value "abc}', 3, /string is never closed/],
    ['a stray bracket', '{:process 0}\n]', 2, /unexpected '\]'/],
    ['an unknown :f', '{:process 0 :type :invoke :f :incr :value 1}', 1, /:f :incr is not a register operation/],
    ['a completion without invoke', '{:process 0 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value 1}', 2, /process 1 completes \(:ok\) without an :invoke/],
    ['a mismatched completion', '{:process 0 :type :invoke :f :read}\n{:process 0 :type :ok :f :write :value 1}', 2, /invoked :read \(line 1\) but completes :write/],
    ['a bad cas value', '{:process 0 :type :invoke :f :cas :value 3}\n{:process 0 :type :ok :f :cas :value 3}', 1, /a :cas value must be \[expected new\]/],
  ];
  for (const [what, text, line, message] of errors) {
    it(`reports ${what} with its line number`, () => {
      const result = importJepsenEdn(text);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.errors[0]?.line).toBe(line);
        expect(result.errors[0]?.message).toMatch(message);
      }
    });
  }
});
