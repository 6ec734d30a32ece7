import {
  decodeResults,
  encodeProposal,
  encodeQuery,
  KvStateMachine,
  type KvCommand,
  type KvItem,
  type KvRead,
  type KvResult,
  type SessionTag,
} from '../../src/kv/index.js';

export const b = (text: string): Uint8Array => new TextEncoder().encode(text);
export const s = (bytes: Uint8Array | null | undefined): string | null =>
  bytes === null || bytes === undefined ? null : new TextDecoder().decode(bytes);

/** A state machine plus the log index it is at, applying commands as a driver would. */
export class Harness {
  readonly machine: KvStateMachine;
  index = 0;

  constructor(machine = new KvStateMachine()) {
    this.machine = machine;
  }

  applyItems(items: KvItem[]): KvResult[] {
    const decoded = decodeResults(this.machine.apply(encodeProposal(items), ++this.index));
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  }

  apply(command: KvCommand, session: SessionTag | null = null): KvResult {
    return this.applyItems([{ session, command }])[0] as KvResult;
  }

  query(command: KvRead): KvResult {
    const decoded = decodeResults(this.machine.query(encodeQuery([command])));
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value[0] as KvResult;
  }

  set(key: string, value: string): KvResult {
    return this.apply({ type: 'set', key: b(key), value: b(value), condition: 'always', returnOld: false });
  }

  get(key: string): string | null {
    const result = this.query({ type: 'get', key: b(key) });
    if (result.type === 'null') return null;
    if (result.type !== 'bulk') throw new Error(`unexpected ${result.type}`);
    return s(result.value);
  }
}
