import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ApiError, ErrorShape } from '../apis/module.js';
import { answerAndClose, renderRaw, requestLineOf } from './raw-errors.js';

/**
 * What one client may hold of the server, and for how long: every phase of a request has a timeout
 * (headers, body, the whole request, an idle keep-alive connection), and connections are capped per
 * client address and in all. `serve` sets each (docs/serve.md); docs/security.md says why.
 */
export interface ConnectionLimits {
  /** All of a request's headers must arrive within this after its first byte. */
  headersTimeoutMs: number;
  /** Longest pause between two pieces of a request body (nginx's client_body_timeout). */
  bodyTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections one client address may have open at once; more are closed as they come. */
  maxConnectionsPerClient: number;
  /** Connections open at once, all clients together. */
  maxConnections: number;
  /** Request line and headers together, in bytes; beyond it the answer is 431. */
  maxHeaderBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnectionsPerClient: 256,
  maxConnections: 4_096,
  maxHeaderBytes: 16 * 1024,
};

/** Why a set of limits cannot work, or undefined. */
export function checkLimits(l: ConnectionLimits): string | undefined {
  for (const [name, value] of Object.entries(l)) if (!Number.isInteger(value) || value <= 0) return `${name} must be a positive whole number`;
  if (l.headersTimeoutMs > l.requestTimeoutMs) return 'the headers timeout cannot be longer than the request timeout';
  if (l.maxConnectionsPerClient > l.maxConnections) return 'the per-client connection cap cannot be larger than the total';
  return undefined;
}

/** Node's own server options for these limits (Fastify passes them to http.createServer). */
export function serverOptions(l: ConnectionLimits) {
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxHeaderSize: l.maxHeaderBytes,
    // Node checks headers and request timeouts on this interval (default 30 s): often enough to
    // make a 10 s timeout mean 10 s.
    connectionsCheckingInterval: Math.min(1_000, l.headersTimeoutMs),
    // Answered by us, in the owning API's shape (app.ts), instead of Node's bare 400.
    requireHostHeader: false,
  };
}

/** A client address as one key: an IPv4-mapped IPv6 address counts as its IPv4 address. */
const clientKey = (address: string | undefined) => (address?.startsWith('::ffff:') ? address.slice(7) : (address ?? ''));

/** The error shape of the module that owns a URL (the control API's for the rest). */
export type ShapeOf = (url: string) => ErrorShape;

/**
 * Applies the caps and the body timeout to a server (the header, request and keep-alive timeouts
 * are Node's, set through serverOptions). Returns how many connections each address holds, for tests.
 */
export function guardConnections(server: Server, limits: ConnectionLimits, shapeOf: ShapeOf): { open(address: string): number } {
  const open = new Map<string, number>();
  server.maxConnections = limits.maxConnections;
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const count = open.get(key) ?? 0;
    if (count >= limits.maxConnectionsPerClient) {
      // No request has been read, so there is nobody's shape to answer in: the connection is closed.
      socket.destroy();
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.complete || (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined)) return;
    // While the body arrives, a pause longer than bodyTimeoutMs ends the request with 408.
    req.setTimeout(limits.bodyTimeoutMs, () => {
      if (req.complete) return;
      if (res.headersSent || res.writableEnded) {
        req.socket.destroy();
        return;
      }
      const url = req.url ?? '/';
      const error: ApiError = { status: 408, title: 'Request Timeout', detail: `The request body stopped arriving: nothing came for ${limits.bodyTimeoutMs} ms.` };
      respondOnce(req.socket, renderRaw(shapeOf(url), error, req.method ?? 'GET', url));
    });
    req.once('end', () => {
      // The body is in: the socket's timer goes back to Node (keep-alive sets its own after the response).
      if (!res.writableFinished) req.socket.setTimeout(0);
    });
  });
  return { open: (address) => open.get(clientKey(address)) ?? 0 };
}

/** Errors Node's HTTP parser raises before any request exists, answered in the shape of the API the request line names. */
export function clientErrorHandler(shapeOf: ShapeOf) {
  return (error: Error, socket: Socket): void => {
    // Node adds the error code and the packet it failed on (Fastify's type says otherwise).
    const err = error as Error & { code?: string; rawPacket?: Buffer };
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A response already under way (a timeout while the handler answers): nothing can be added to it.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const incoming = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? (socket as Socket & { parser?: { incoming?: IncomingMessage } }).parser?.incoming : undefined;
    const line = incoming?.url ? { method: incoming.method ?? 'GET', url: incoming.url } : requestLineOf(err.rawPacket);
    const url = line?.url ?? '/';
    respondOnce(socket, renderRaw(shapeOf(url), describe(err), line?.method ?? 'GET', url));
  };
}

function describe(err: Error & { code?: string }): ApiError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, title: 'Request Header Fields Too Large', detail: 'The request line and headers are larger than the emulator accepts.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, title: 'Request Timeout', detail: 'The request did not arrive in time.' };
    default:
      return { status: 400, title: 'Bad Request', detail: `The request is not valid HTTP (${err.code ?? 'parse error'}).` };
  }
}

const answered = new WeakSet<Socket>();
/** One error answer per connection (the parser may report the same broken stream more than once). */
function respondOnce(socket: Socket, response: ReturnType<typeof renderRaw>): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  answerAndClose(socket, response);
}
