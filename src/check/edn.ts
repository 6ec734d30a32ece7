/**
 * A small EDN reader: enough for Jepsen/Knossos history files. Supports nil, booleans, integers
 * (with an optional N suffix), floats (optional M), strings, characters, keywords, symbols,
 * vectors, lists, maps and sets; `;` comments, commas as whitespace, `#_` discard, and tagged
 * values (`#inst "..."`, `#jepsen.history.Op{...}`) whose tag is dropped. Errors say line:column.
 */

export type EdnValue = null | boolean | number | string | EdnKeyword | EdnSymbol | EdnVector | EdnList | EdnMap | EdnSet;

export interface EdnKeyword {
  type: 'keyword';
  name: string;
}
export interface EdnSymbol {
  type: 'symbol';
  name: string;
}
export interface EdnVector {
  type: 'vector';
  items: EdnValue[];
}
export interface EdnList {
  type: 'list';
  items: EdnValue[];
}
export interface EdnSet {
  type: 'set';
  items: EdnValue[];
}
export interface EdnMap {
  type: 'map';
  entries: Array<[EdnValue, EdnValue]>;
}

export class EdnError extends Error {
  override name = 'EdnError';
  readonly line: number;
  readonly column: number;
  constructor(message: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${message}`);
    this.line = line;
    this.column = column;
  }
}

export interface EdnTopLevel {
  value: EdnValue;
  /** 1-based line where the value starts. */
  line: number;
}

const DELIMITERS = new Set(['(', ')', '[', ']', '{', '}', '"', ';', ',']);
const CHARACTER_NAMES: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
const STRING_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\' };

class Reader {
  private pos = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  fail(message: string, at = this.pos): never {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text[i] === '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    throw new EdnError(message, line, at - lineStart + 1);
  }

  private countedTo = 0;
  private countedLine = 1;

  /** Line of a position; positions are asked for in increasing order, so counting is incremental. */
  lineAt(at: number): number {
    if (at < this.countedTo) {
      this.countedTo = 0;
      this.countedLine = 1;
    }
    for (; this.countedTo < at; this.countedTo++) if (this.text.charCodeAt(this.countedTo) === 10) this.countedLine++;
    return this.countedLine;
  }

  /** Skips whitespace, commas and comments; returns whether input remains. */
  skip(): boolean {
    const t = this.text;
    while (this.pos < t.length) {
      const ch = t[this.pos] as string;
      if (ch === ';') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else if (ch === ',' || /\s/.test(ch)) {
        this.pos++;
      } else if (ch === '#' && t[this.pos + 1] === '_') {
        this.pos += 2;
        this.read();
      } else {
        return true;
      }
    }
    return false;
  }

  get position(): number {
    return this.pos;
  }

  read(): EdnValue {
    if (!this.skip()) this.fail('unexpected end of input');
    const start = this.pos;
    const ch = this.text[this.pos] as string;
    switch (ch) {
      case '(':
        return { type: 'list', items: this.readSequence(')') };
      case '[':
        return { type: 'vector', items: this.readSequence(']') };
      case '{':
        return this.readMap(start);
      case ')':
      case ']':
      case '}':
        return this.fail(`unexpected '${ch}'`);
      case '"':
        return this.readString();
      case '\\':
        return this.readCharacter();
      case '#':
        return this.readDispatch();
      default:
        return this.readAtom();
    }
  }

  private readSequence(close: string): EdnValue[] {
    const open = this.pos;
    this.pos++;
    const items: EdnValue[] = [];
    for (;;) {
      if (!this.skip()) this.fail(`'${this.text[open]}' is never closed`, open);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.read());
    }
  }

  private readMap(start: number): EdnMap {
    const items = this.readSequence('}');
    if (items.length % 2 !== 0) this.fail('a map needs an even number of forms (key value pairs)', start);
    const entries: Array<[EdnValue, EdnValue]> = [];
    for (let i = 0; i < items.length; i += 2) entries.push([items[i] as EdnValue, items[i + 1] as EdnValue]);
    return { type: 'map', entries };
  }

  private readString(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    const t = this.text;
    while (this.pos < t.length) {
      const ch = t[this.pos] as string;
      if (ch === '"') {
        this.pos++;
        return out;
      }
      if (ch === '\\') {
        const next = t[this.pos + 1] ?? '';
        if (next === 'u') {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape in string');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        const escaped = STRING_ESCAPES[next];
        if (escaped === undefined) this.fail(`unknown escape \\${next} in string`);
        out += escaped;
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
    return this.fail('string is never closed', start);
  }

  private token(): string {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && !DELIMITERS.has(t[this.pos] as string) && !/\s/.test(t[this.pos] as string)) this.pos++;
    return t.slice(start, this.pos);
  }

  private readCharacter(): string {
    this.pos++;
    const name = this.token();
    if (name.length === 1) return name;
    if (name === '' && this.pos < this.text.length) return this.text[this.pos++] as string;
    const named = CHARACTER_NAMES[name];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return String.fromCharCode(parseInt(name.slice(1), 16));
    return this.fail(`unknown character \\${name}`);
  }

  private readDispatch(): EdnValue {
    const next = this.text[this.pos + 1];
    if (next === '{') {
      this.pos++;
      return { type: 'set', items: this.readSequence('}') };
    }
    // A tagged value: keep the value, drop the tag (#inst, #uuid, record tags).
    this.pos++;
    const tag = this.token();
    if (tag === '') this.fail("'#' must be followed by a tag, '{' or '_'");
    return this.read();
  }

  private readAtom(): EdnValue {
    const start = this.pos;
    const token = this.token();
    if (token === '') this.fail(`unexpected '${this.text[this.pos]}'`);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token.startsWith(':')) {
      if (token.length === 1) this.fail('empty keyword', start);
      return { type: 'keyword', name: token.slice(1) };
    }
    if (/^[+-]?\d/.test(token)) {
      const numeric = token.replace(/[NM]$/, '');
      const value = Number(numeric);
      if (!/^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$/.test(numeric) || !Number.isFinite(value)) this.fail(`bad number ${token}`, start);
      return value;
    }
    return { type: 'symbol', name: token };
  }
}

/** Reads every top-level form in the text. Throws EdnError with a line and column on bad input. */
export function parseEdnForms(text: string): EdnTopLevel[] {
  const reader = new Reader(text);
  const forms: EdnTopLevel[] = [];
  while (reader.skip()) {
    const start = reader.position;
    forms.push({ value: reader.read(), line: reader.lineAt(start) });
  }
  return forms;
}

export function isKeyword(value: EdnValue | undefined, name?: string): value is EdnKeyword {
  return typeof value === 'object' && value !== null && value.type === 'keyword' && (name === undefined || value.name === name);
}

/** The value under a keyword key of a map, or undefined. */
export function mapGet(map: EdnMap, keyword: string): EdnValue | undefined {
  for (const [k, v] of map.entries) if (isKeyword(k, keyword)) return v;
  return undefined;
}
