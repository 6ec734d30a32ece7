/**
 * An HTTP/1.1 request head (request line and header fields, as latin1 text without the final
 * CRLF CRLF) into what the server acts on: method, target, version, how the body is framed,
 * whether the connection stays open and whether the client waits for `100 Continue`. Other
 * header fields are checked for form and then ignored: the API reads none of them.
 *
 * Strict where a lenient reading lets two parsers disagree about where a request ends (request
 * smuggling): every line ends in CRLF (a bare CR or LF is refused), no control characters, no
 * obsolete line folding, no space before a colon, Content-Length only as one run of digits and
 * only once, never with Transfer-Encoding; `chunked` is the only transfer coding understood.
 */

export type BodyFraming = { kind: 'none' } | { kind: 'length'; bytes: number } | { kind: 'chunked' };

export interface RequestHead {
  method: string;
  /** The request target in origin form, e.g. `/v1/kv/a%2Fb?consistency=stale` (see originForm). */
  url: string;
  http10: boolean;
  /** False when the client asked to close (or spoke HTTP/1.0 without asking to keep it open). */
  keepAlive: boolean;
  expectContinue: boolean;
  framing: BodyFraming;
}

/** A request the server answers with an error and then closes the connection. */
export interface Refusal {
  status: number;
  message: string;
  extra?: Record<string, unknown>;
}

export type HeadOutcome = { ok: true; head: RequestHead } | { ok: false; refusal: Refusal };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than tab, and CR or LF that are not part of a CRLF. */
const FORBIDDEN_IN_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;
const DIGITS = /^[0-9]+$/;
const HTTP_VERSION = /^HTTP\/[0-9]\.[0-9]$/;
const ABSOLUTE_FORM = /^https?:\/\/[^/?]*/i;
const NON_ASCII = /[\x80-\xff]/g;
const SPACE = 0x20;
const TAB = 0x09;

const refuse = (status: number, message: string): HeadOutcome => ({ ok: false, refusal: { status, message } });

export function parseRequestHead(text: string): HeadOutcome {
  if (FORBIDDEN_IN_HEAD.test(text)) return refuse(400, 'control character or bare CR/LF in the request head (lines end in CRLF)');
  const lines = text.split('\r\n');
  const requestLine = parseRequestLine(lines[0] ?? '');
  if (!requestLine.ok) return requestLine;
  const { method, url, http10 } = requestLine;
  let hosts = 0;
  let contentLength: string | null = null;
  let transferEncoding: string | null = null;
  let close = false;
  let keepAliveAsked = false;
  let expect: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    const problem = fieldLineProblem(line, colon);
    if (problem !== null) return refuse(400, problem);
    const name = line.slice(0, colon);
    const value = trimSpaces(line, colon + 1);
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') hosts++;
        break;
      case 6:
        if (name.toLowerCase() === 'expect') expect = value.toLowerCase();
        break;
      case 10:
        if (name.toLowerCase() === 'connection') {
          for (const option of value.toLowerCase().split(',')) {
            const token = option.trim();
            if (token === 'close') close = true;
            else if (token === 'keep-alive') keepAliveAsked = true;
          }
        }
        break;
      case 14:
        if (name.toLowerCase() === 'content-length') {
          if (contentLength !== null) return refuse(400, 'more than one Content-Length');
          if (!DIGITS.test(value)) return refuse(400, `Content-Length must be digits, not '${value.slice(0, 40)}'`);
          contentLength = value;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'transfer-encoding') transferEncoding = transferEncoding === null ? value : `${transferEncoding}, ${value}`;
        break;
    }
  }
  if (!http10 && hosts !== 1) return refuse(400, hosts === 0 ? 'HTTP/1.1 request without a Host header' : 'more than one Host header');
  if (http10 && hosts > 1) return refuse(400, 'more than one Host header');
  const framing = bodyFraming(contentLength, transferEncoding, http10);
  if (!framing.ok) return framing;
  if (expect !== null && expect !== '100-continue') return refuse(417, `unsupported expectation '${expect.slice(0, 40)}' (only 100-continue)`);
  const keepAlive = !close && (!http10 || keepAliveAsked);
  return { ok: true, head: { method, url, http10, keepAlive, expectContinue: expect !== null && !http10, framing: framing.framing } };
}

/**
 * Why a header field line (or a trailer line of a chunked body) is malformed, or null when it is
 * well formed; `colon` is the index of its first colon (-1 for none).
 */
export function fieldLineProblem(line: string, colon: number): string | null {
  const first = line.charCodeAt(0);
  if (first === SPACE || first === TAB) return `obsolete line folding in a header field: '${line.slice(0, 80)}'`;
  if (colon <= 0) return `header line without a name and colon: '${line.slice(0, 80)}'`;
  const name = line.slice(0, colon);
  if (!TOKEN.test(name)) return `invalid header name '${name.slice(0, 80)}' (no spaces before the colon)`;
  return null;
}

type RequestLine = { ok: true; method: string; url: string; http10: boolean } | { ok: false; refusal: Refusal };

function parseRequestLine(line: string): RequestLine {
  const firstSpace = line.indexOf(' ');
  const secondSpace = line.indexOf(' ', firstSpace + 1);
  if (firstSpace <= 0 || secondSpace <= firstSpace + 1 || line.indexOf(' ', secondSpace + 1) !== -1 || line.includes('\t')) {
    return { ok: false, refusal: { status: 400, message: `malformed request line '${line.slice(0, 80)}' (want METHOD target HTTP/1.1)` } };
  }
  const method = line.slice(0, firstSpace);
  if (!TOKEN.test(method)) return { ok: false, refusal: { status: 400, message: `invalid method '${method.slice(0, 40)}'` } };
  const url = originForm(line.slice(firstSpace + 1, secondSpace));
  const version = line.slice(secondSpace + 1);
  if (version === 'HTTP/1.1' || version === 'HTTP/1.0') return { ok: true, method, url, http10: version === 'HTTP/1.0' };
  if (HTTP_VERSION.test(version)) return { ok: false, refusal: { status: 505, message: `${version} is not supported (HTTP/1.1 and HTTP/1.0 are)` } };
  return { ok: false, refusal: { status: 400, message: `malformed HTTP version '${version.slice(0, 40)}'` } };
}

type Framing = { ok: true; framing: BodyFraming } | { ok: false; refusal: Refusal };

function bodyFraming(contentLength: string | null, transferEncoding: string | null, http10: boolean): Framing {
  if (transferEncoding !== null) {
    if (contentLength !== null) return { ok: false, refusal: { status: 400, message: 'both Content-Length and Transfer-Encoding' } };
    if (http10) return { ok: false, refusal: { status: 400, message: 'Transfer-Encoding in an HTTP/1.0 request' } };
    if (transferEncoding.toLowerCase() !== 'chunked') {
      return { ok: false, refusal: { status: 501, message: `transfer coding '${transferEncoding.slice(0, 40)}' is not supported (only chunked)` } };
    }
    return { ok: true, framing: { kind: 'chunked' } };
  }
  if (contentLength === null) return { ok: true, framing: { kind: 'none' } };
  // Past 2^53 the number is inexact, but it is far over any body limit either way.
  const bytes = Number(contentLength);
  return { ok: true, framing: bytes === 0 ? { kind: 'none' } : { kind: 'length', bytes } };
}

/**
 * The target as the API reads it: a path and query. The absolute form a proxy may send
 * (`http://host/path`) loses its scheme and host, and bytes outside ASCII (the head is read as
 * latin1, one character per byte) are percent-encoded, so a key sent as raw UTF-8 bytes is the
 * same key as its %XX spelling instead of having each byte UTF-8 encoded a second time.
 */
function originForm(target: string): string {
  const authority = target.startsWith('/') ? null : ABSOLUTE_FORM.exec(target);
  const path = authority === null ? target : `/${target.slice(authority[0].length).replace(/^\//, '')}`;
  return path.replace(NON_ASCII, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The value after a header's colon without the optional spaces and tabs around it. */
function trimSpaces(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === SPACE || line.charCodeAt(start) === TAB)) start++;
  while (end > start && (line.charCodeAt(end - 1) === SPACE || line.charCodeAt(end - 1) === TAB)) end--;
  return line.slice(start, end);
}
