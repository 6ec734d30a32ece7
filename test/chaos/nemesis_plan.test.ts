/**
 * The nemesis vocabulary and the workload's choices, without a cluster: what `--nemesis` accepts,
 * that a seed fixes the schedule, that each fault's end undoes its start, and that every write
 * value is unique (so reads are informative).
 */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultAction, parseNemesis, planFault } from '../../src/chaos/nemesis_plan.js';
import { OperationPicker } from '../../src/chaos/op_picker.js';
import { DEFAULT_NEMESIS_TIMING } from '../../src/chaos/nemesis_plan.js';
import { Prng } from '../../src/lib/prng.js';

const NODES = [1, 2, 3, 4, 5];

/** Which directed links an action list cuts, given all links start healthy. */
function cutLinks(actions: readonly FaultAction[]): Set<string> {
  const cut = new Set<string>();
  for (const action of actions) {
    if (action.verb === 'cut') cut.add(`${action.from}>${action.to}`);
    if (action.verb === 'partition') {
      for (const a of NODES) for (const b of NODES) {
        const ga = action.groups.findIndex((g) => g.includes(a));
        const gb = action.groups.findIndex((g) => g.includes(b));
        if (a !== b && ga !== gb) cut.add(`${a}>${b}`);
      }
    }
  }
  return cut;
}

describe('--nemesis names', () => {
  it('expands groups and accepts single kinds', () => {
    expect(parseNemesis('partition,crash,loss')).toEqual(FAULT_KINDS.filter((k) => k !== 'pause'));
    expect(parseNemesis('crash-leader, pause')).toEqual(['crash-leader', 'pause']);
    expect(parseNemesis('none')).toEqual([]);
    expect(parseNemesis('all')).toEqual([...FAULT_KINDS]);
  });

  it('refuses unknown names, naming the known ones', () => {
    expect(() => parseNemesis('partition,meteor')).toThrow(/unknown nemesis 'meteor' \(known: partition, crash, loss, pause, all/);
    expect(() => parseNemesis('')).toThrow(/at least one/);
  });
});

describe('fault plans', () => {
  it('are fixed by the seed and the leader', () => {
    const draw = (seed: number) => Array.from({ length: 30 }, () => planFault(new Prng(seed), FAULT_KINDS, NODES, 2, DEFAULT_NEMESIS_TIMING));
    const a = new Prng(7);
    const b = new Prng(7);
    const plansA = Array.from({ length: 30 }, () => planFault(a, FAULT_KINDS, NODES, 2, DEFAULT_NEMESIS_TIMING));
    const plansB = Array.from({ length: 30 }, () => planFault(b, FAULT_KINDS, NODES, 2, DEFAULT_NEMESIS_TIMING));
    expect(plansA).toEqual(plansB);
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('cover every kind, and each ends by undoing what it started', () => {
    const random = new Prng(11);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const plan = planFault(random, FAULT_KINDS, NODES, 3, DEFAULT_NEMESIS_TIMING);
      seen.add(plan.kind);
      expect(plan.durationMs).toBeGreaterThanOrEqual(DEFAULT_NEMESIS_TIMING.durationMinMs);
      expect(plan.durationMs).toBeLessThanOrEqual(DEFAULT_NEMESIS_TIMING.durationMaxMs);
      for (const action of plan.start) {
        if (action.verb === 'crash') expect(plan.end).toContainEqual({ verb: 'restart', node: action.node });
        if (action.verb === 'pause') expect(plan.end).toContainEqual({ verb: 'resume', node: action.node });
        if (action.verb === 'partition' || action.verb === 'cut') expect(plan.end).toContainEqual({ verb: 'heal' });
        if (action.verb === 'link') expect(plan.end.some((e) => e.verb === 'link' && e.a === action.a && e.b === action.b && e.settings.lossRate === 0)).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual([...FAULT_KINDS].sort());
  });

  it('shapes partitions as named: leader isolated, a bridge node hearing both halves, a ring of neighbours', () => {
    const random = new Prng(5);
    const byKind = new Map<string, FaultAction[]>();
    for (let i = 0; i < 200 && byKind.size < FAULT_KINDS.length; i++) {
      const plan = planFault(random, FAULT_KINDS, NODES, 4, DEFAULT_NEMESIS_TIMING);
      byKind.set(plan.kind, plan.start);
    }
    const isolated = cutLinks(byKind.get('isolate-leader') ?? []);
    for (const other of [1, 2, 3, 5]) expect(isolated.has(`4>${other}`) && isolated.has(`${other}>4`)).toBe(true);
    expect(isolated.size).toBe(8);
    const ring = cutLinks(byKind.get('partition-ring') ?? []);
    // 5 nodes, 10 pairs, 5 ring edges kept: 5 pairs cut both ways; every node keeps exactly two neighbours.
    expect(ring.size).toBe(10);
    for (const node of NODES) expect(NODES.filter((o) => o !== node && !ring.has(`${node}>${o}`)).length).toBe(2);
    const bridge = cutLinks(byKind.get('partition-bridge') ?? []);
    const bridgeNode = NODES.find((n) => NODES.every((o) => !bridge.has(`${n}>${o}`) && !bridge.has(`${o}>${n}`)));
    expect(bridgeNode).toBeDefined();
    expect(bridge.size).toBe(8); // halves of 2 and 2: 4 pairs, both ways
  });

  it('targets the leader in leader faults, a random node when none is known', () => {
    const random = new Prng(3);
    const plan = planFault(random, ['crash-leader'], NODES, 5, DEFAULT_NEMESIS_TIMING);
    expect(plan.start).toEqual([{ verb: 'crash', node: 5 }]);
    const blind = planFault(random, ['isolate-leader'], NODES, null, DEFAULT_NEMESIS_TIMING);
    expect(blind.description).toMatch(/no leader known/);
  });
});

describe('workload choices', () => {
  it('never writes the same value twice, across clients', () => {
    const values = new Set<string>();
    let writes = 0;
    for (let client = 1; client <= 5; client++) {
      const picker = new OperationPicker(new Prng(client), client, 3);
      for (let i = 0; i < 500; i++) {
        const op = picker.next();
        const value = op.kind === 'write' || op.kind === 'append' ? op.input : op.kind === 'cas' ? op.input.value : null;
        if (value !== null) {
          writes++;
          values.add(value);
        }
      }
    }
    expect(values.size).toBe(writes);
    expect(writes).toBeGreaterThan(1000);
  });

  it('expects in a cas the value the client last saw', () => {
    const picker = new OperationPicker(new Prng(1), 1, 1);
    picker.observe({ kind: 'read', key: 'k1', input: null }, 'ok', 'c9.9');
    let cas;
    for (let i = 0; i < 100 && cas === undefined; i++) {
      const op = picker.next();
      if (op.kind === 'cas') cas = op;
      else picker.observe(op, 'unknown', null);
    }
    expect(cas?.input.expected).toBe('c9.9');
  });
});
