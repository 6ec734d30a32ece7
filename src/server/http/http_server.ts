/**
 * The HTTP port of a node: node:http (its only importer) in front of handleHttp (http_api.ts).
 * Bodies are read up to HTTP_BODY_MAX_BYTES; a larger one gets 413 and that connection is closed.
 * A handler that throws answers 500 for that request only.
 */
import * as http from 'node:http';
import { handleHttp, type HttpContext } from './http_api.js';
import { problem, type HttpResponse } from './http_codec.js';
import { closeServer, listeningAddress } from './http_listener.js';

/** Largest request body accepted (a value plus its JSON wrapping). */
export const HTTP_BODY_MAX_BYTES = 8 * 1024 * 1024;

export interface HttpServerOptions extends HttpContext {
  /** 0 picks a free port. */
  port: number;
  host?: string;
  bodyMaxBytes?: number;
}

export class HttpServer {
  private readonly server: http.Server;

  private constructor(server: http.Server) {
    this.server = server;
  }

  static start(options: HttpServerOptions): Promise<HttpServer> {
    const limit = options.bodyMaxBytes ?? HTTP_BODY_MAX_BYTES;
    const server = http.createServer((request, response) => serve(request, response, options, limit));
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve(new HttpServer(server));
      });
    });
  }

  address(): { host: string; port: number } {
    return listeningAddress(this.server);
  }

  /** Stops listening and drops every connection, idle or not. */
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

function serve(request: http.IncomingMessage, response: http.ServerResponse, context: HttpContext, limit: number): void {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return tooLarge(response, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  request.on('data', (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > limit) {
      refused = true;
      tooLarge(response, limit);
      return;
    }
    chunks.push(chunk);
  });
  request.on('error', () => response.destroy());
  request.on('end', () => {
    if (refused) return;
    const body = new Uint8Array(Buffer.concat(chunks));
    handleHttp({ method: request.method ?? 'GET', url: request.url ?? '/', body }, context)
      .catch((error: unknown) => problem(500, `internal error: ${error instanceof Error ? error.message : String(error)}`))
      .then((answer) => send(response, answer));
  });
}

function tooLarge(response: http.ServerResponse, limit: number): void {
  const answer = problem(413, `request body larger than the limit of ${limit} bytes (HTTP_BODY_MAX_BYTES)`, { limitBytes: limit }, { connection: 'close' });
  send(response, answer);
  response.on('finish', () => response.socket?.destroy()); // stop reading the rest of the body
}

function send(response: http.ServerResponse, answer: HttpResponse): void {
  if (response.headersSent || response.destroyed) return;
  const body = Buffer.from(answer.body, 'utf8');
  try {
    response.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
  } catch {
    // A header node:http refuses is our bug; this request still gets an answer.
    response.writeHead(500, { 'content-type': 'text/plain', 'content-length': '21' });
    response.end('internal header error');
    return;
  }
  response.end(body);
}
