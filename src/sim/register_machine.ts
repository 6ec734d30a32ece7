/**
 * The simulator's state machine: a map of registers. Deliberately tiny and self-describing so
 * the checkers can decode every command: `set|key|value` (returns `ok|index`) and, as a query,
 * `get|key` (returns `writeIndex|value`, writeIndex 0 and an empty value for an unset key).
 * Keys and values never contain '|'. Garbage input gets an `error|...` reply, never a throw.
 */
import type { StateMachine } from '../ports/state_machine.js';

/**
 * Keys and values are short ASCII strings, so a byte-per-char (latin1) codec replaces
 * TextEncoder and TextDecoder, which dominate the profile for tiny strings. Bytes round-trip
 * exactly, so garbage input is still answered, never thrown on.
 */
const encoder = {
  encode(text: string): Uint8Array {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      bytes[i] = text.charCodeAt(i) & 0xff;
    }
    return bytes;
  },
};
const decoder = {
  decode(bytes: Uint8Array): string {
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i] as number);
    return text;
  },
};

export interface RegisterWrite {
  key: string;
  value: string;
}

export function encodeSet(key: string, value: string): Uint8Array {
  return encoder.encode(`set|${key}|${value}`);
}

export function encodeGet(key: string): Uint8Array {
  return encoder.encode(`get|${key}`);
}

/** Decodes a `set` command, or null when the bytes are something else. */
export function decodeSet(command: Uint8Array): RegisterWrite | null {
  const parts = decoder.decode(command).split('|');
  if (parts.length !== 3 || parts[0] !== 'set') return null;
  return { key: parts[1] as string, value: parts[2] as string };
}

/** Decodes a `get` reply. */
export function decodeGetResult(result: Uint8Array): { writeIndex: number; value: string } | null {
  const text = decoder.decode(result);
  const bar = text.indexOf('|');
  const writeIndex = Number(text.slice(0, bar));
  if (bar < 0 || !Number.isInteger(writeIndex)) return null;
  return { writeIndex, value: text.slice(bar + 1) };
}

export class RegisterMachine implements StateMachine {
  private registers = new Map<string, { value: string; writeIndex: number }>();

  apply(command: Uint8Array, index: number): Uint8Array {
    const write = decodeSet(command);
    if (write === null) return encoder.encode('error|unknown command');
    this.registers.set(write.key, { value: write.value, writeIndex: index });
    return encoder.encode(`ok|${index}`);
  }

  query(query: Uint8Array): Uint8Array {
    const parts = decoder.decode(query).split('|');
    if (parts.length !== 2 || parts[0] !== 'get') return encoder.encode('error|unknown query');
    const register = this.registers.get(parts[1] as string);
    return encoder.encode(register === undefined ? '0|' : `${register.writeIndex}|${register.value}`);
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify([...this.registers]));
  }

  restore(snapshot: Uint8Array): void {
    this.registers = new Map(JSON.parse(decoder.decode(snapshot)) as Array<[string, { value: string; writeIndex: number }]>);
  }
}
