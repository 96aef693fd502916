import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
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
  maxConnections: defaultMaxConnections(),
  maxHeaderBytes: 16 * 1024,
};

/**
 * 4,096, or fewer where the process may open fewer files: every connection is a file descriptor, and
 * the database, its WAL, deliveries and the DNS server need theirs (256 are kept for them). Node
 * raises its soft limit to the hard one at start; Linux tells the result in /proc/self/limits.
 */
export function defaultMaxConnections(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    if (Number.isFinite(soft) && soft > 0) return Math.max(64, Math.min(4_096, soft - 256));
  } catch {
    // Not Linux: the default stands.
  }
  return 4_096;
}

/** Why a set of limits cannot work, or undefined. */
export function checkLimits(l: ConnectionLimits): string | undefined {
  for (const [name, value] of Object.entries(l)) if (!Number.isInteger(value) || value <= 0) return `${name} must be a positive whole number`;
  if (l.headersTimeoutMs > l.requestTimeoutMs) return 'the headers timeout cannot be longer than the request timeout';
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

/** One connection as the caps and the body timeout see it. */
interface Tracked {
  socket: Socket;
  key: string;
  /** Bytes read and written when last looked at, and when that last changed (the sweep's clock). */
  lastBytes: number;
  lastActive: number;
  lastRead: number;
  lastReadAt: number;
}

/** Node's own fields of an HTTP connection: the request being parsed, the response being written. */
type HttpSocket = Socket & { parser?: { incoming?: IncomingMessage | null } | null; _httpMessage?: ServerResponse | null };

/** A request whose headers are in and whose body is still arriving. */
function receivingBody(socket: HttpSocket): IncomingMessage | undefined {
  const req = socket.parser?.incoming;
  return req && !req.complete && (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) ? req : undefined;
}

/** Answering a request (not idle, not still receiving one): never closed to make room. */
function answering(socket: HttpSocket): boolean {
  const res = socket._httpMessage;
  return !!res && !res.writableFinished && !receivingBody(socket);
}

/**
 * Applies the caps and the body timeout to a server (the header, request and keep-alive timeouts
 * are Node's, set through serverOptions). Nothing runs per request: a sweep once a second (as
 * Node's own timeout checks) looks at each connection's byte counts.
 *
 * The caps make room rather than refuse: a connection over a cap closes, of the client's own
 * connections (or, for the total cap, of all), the one that has been quiet longest without a request
 * being answered — an idle keep-alive connection or one whose request is still arriving. Slow
 * clients then push out each other, not the client whose request is ready; on loopback, where every
 * client shares 127.0.0.1, this is what keeps a test suite answered next to a stuck one. Only when
 * every connection is answering a request is the new one closed.
 */
export function guardConnections(server: Server | TlsServer, limits: ConnectionLimits, shapeOf: ShapeOf): { open(address?: string): number } {
  const byClient = new Map<string, Set<Tracked>>();
  const all = new Set<Tracked>();

  const forget = (t: Tracked) => {
    all.delete(t);
    const mine = byClient.get(t.key);
    mine?.delete(t);
    if (mine?.size === 0) byClient.delete(t.key);
  };
  /** Room for one more in `among` (at most `cap`): the quietest connection not answering a request closes; false when none can. */
  const makeRoom = (among: Set<Tracked>, cap: number): boolean => {
    if (among.size < cap) return true;
    let quietest: Tracked | undefined;
    for (const t of among) if (!answering(t.socket) && (!quietest || t.lastActive < quietest.lastActive)) quietest = t;
    if (!quietest) return false;
    forget(quietest);
    quietest.socket.destroy();
    return true;
  };

  // Over TLS the HTTP parser sits on the decrypted socket, which exists once the handshake is done.
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    const mine = byClient.get(key) ?? new Set<Tracked>();
    // No request has been read from the new connection, so there is nobody's shape to answer in: a refused one is closed.
    if (!makeRoom(mine, Math.min(limits.maxConnectionsPerClient, limits.maxConnections)) || !makeRoom(all, limits.maxConnections)) {
      socket.destroy();
      return;
    }
    const now = Date.now();
    const t: Tracked = { socket, key, lastBytes: 0, lastActive: now, lastRead: 0, lastReadAt: now };
    mine.add(t);
    byClient.set(key, mine);
    all.add(t);
    socket.once('close', () => forget(t));
  });

  const sweep = () => {
    const now = Date.now();
    for (const t of all) {
      const { socket } = t;
      const read = socket.bytesRead;
      const bytes = read + socket.bytesWritten;
      if (bytes !== t.lastBytes) {
        t.lastBytes = bytes;
        t.lastActive = now;
      }
      if (read !== t.lastRead) {
        t.lastRead = read;
        t.lastReadAt = now;
        continue;
      }
      // A body that stopped arriving: 408 in the owning API's shape (nginx's client_body_timeout).
      if (now - t.lastReadAt < limits.bodyTimeoutMs) continue;
      const req = receivingBody(socket);
      if (!req) continue;
      const res = (socket as HttpSocket)._httpMessage;
      if (res?.headersSent) {
        socket.destroy();
        continue;
      }
      const url = req.url ?? '/';
      const error: ApiError = { status: 408, title: 'Request Timeout', detail: `The request body stopped arriving: nothing came for ${limits.bodyTimeoutMs} ms.` };
      respondOnce(socket, renderRaw(shapeOf(url), error, req.method ?? 'GET', url));
    }
  };
  const timer = setInterval(sweep, Math.min(1_000, limits.bodyTimeoutMs));
  timer.unref();
  server.once('close', () => clearInterval(timer));
  return { open: (address) => (address === undefined ? all.size : (byClient.get(clientKey(address))?.size ?? 0)) };
}

/** Errors Node's HTTP parser raises before any request exists, answered in the shape of the API the request line names. */
export function clientErrorHandler(shapeOf: ShapeOf) {
  return (error: Error, socket: Socket): void => {
    // Node adds the error code and the packet it failed on (Fastify's type says otherwise).
    const err = error as Error & { code?: string; rawPacket?: Buffer };
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A response already under way (a timeout while the handler answers): nothing can be added to it.
    const inFlight = (socket as HttpSocket)._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const incoming = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? (socket as HttpSocket).parser?.incoming : undefined;
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
