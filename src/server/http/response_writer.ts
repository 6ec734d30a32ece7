/**
 * An HttpResponse as the exact text that goes on the wire: status line, the handler's headers,
 * the framing headers this server owns (content-length, connection, keep-alive), a date, a blank
 * line and the body, so the connection writes each response with one socket write.
 */
import { problem, type HttpResponse } from './http_codec.js';

export interface ResponseFraming {
  /** A HEAD request: the headers a GET would get, without the body. */
  headOnly: boolean;
  /** The connection closes after this response. */
  close: boolean;
  /** HTTP/1.0 kept open must be told so; HTTP/1.1 stays open unless told otherwise. */
  http10: boolean;
  /**
   * Told to clients that keep the connection, so they stop reusing it before the server drops it:
   * whole seconds, never more than the real timeout; 0 (a timeout under a second) is not told.
   */
  keepAliveTimeoutS: number;
}

const REASONS: Record<number, string> = {
  100: 'Continue',
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** Headers only this writer sets: a handler's copy would contradict the framing. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

export const CONTINUE_RESPONSE = 'HTTP/1.1 100 Continue\r\n\r\n';

export function formatResponse(answer: HttpResponse, framing: ResponseFraming): string {
  let text = `HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? ''}\r\n`;
  const headers = answer.headers;
  for (const name in headers) {
    const value = headers[name] as string;
    if (FRAMING_HEADERS.has(name.toLowerCase())) continue;
    // A header that could split the response is our bug; this request still gets an answer.
    if (!TOKEN.test(name) || UNSAFE_VALUE.test(value)) return formatResponse(problem(500, `internal error: invalid response header '${name.slice(0, 40)}'`), framing);
    text += `${name}: ${value}\r\n`;
  }
  text += `content-length: ${Buffer.byteLength(answer.body, 'utf8')}\r\ndate: ${httpDate()}\r\n`;
  if (framing.close) text += 'connection: close\r\n';
  else {
    if (framing.http10) text += 'connection: keep-alive\r\n';
    if (framing.keepAliveTimeoutS > 0) text += `keep-alive: timeout=${framing.keepAliveTimeoutS}\r\n`;
  }
  return framing.headOnly ? `${text}\r\n` : `${text}\r\n${answer.body}`;
}

let cachedDate = '';
let cachedDateUntilMs = 0;

/** The Date header's value, formatted once per second. */
function httpDate(): string {
  const nowMs = Date.now();
  if (nowMs >= cachedDateUntilMs) {
    cachedDate = new Date(nowMs).toUTCString();
    cachedDateUntilMs = nowMs - (nowMs % 1000) + 1000;
  }
  return cachedDate;
}
