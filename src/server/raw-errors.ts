import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { ApiError, ErrorShape } from '../apis/module.js';

/** An error response as bytes to write: status line, headers, body. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Renders an error with a module's ErrorShape where Fastify has no request or reply for it (a
 * request Node's HTTP parser refused: oversized headers, malformed syntax, a request timeout). The
 * shape's own `send` writes into a stand-in that records code, content type, headers and payload,
 * so each API keeps exactly one definition of its error body.
 */
export function renderRaw(shape: ErrorShape, error: ApiError, method: string, url: string): RawResponse {
  const reply = new RecordingReply();
  const request = { method, url, headers: {}, query: {}, params: {} };
  try {
    shape.send(reply as unknown as FastifyReply, request as unknown as FastifyRequest, error);
  } catch {
    // A shape that needs more of Fastify than the stand-in offers: the plainest honest answer.
    return { status: error.status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${error.title}. ${error.detail}` };
  }
  return { status: reply.statusCode, headers: reply.headers, body: reply.payload };
}

/** The bytes of a response that closes the connection after it (Connection: close). */
export function rawResponseBytes(r: RawResponse): string {
  const lines = [`HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? 'Error'}`];
  for (const [name, value] of Object.entries(r.headers)) if (name !== 'content-length' && name !== 'connection') lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${Buffer.byteLength(r.body)}`, 'connection: close', `date: ${new Date().toUTCString()}`);
  return `${lines.join('\r\n')}\r\n\r\n${r.body}`;
}

/**
 * Answers on a socket and closes it gracefully: the response, then our half of the connection, then
 * whatever the client still sends is read and dropped for a moment (a lingering close, as nginx
 * makes), so that the client reads the answer instead of a reset.
 */
export function answerAndClose(socket: Socket, r: RawResponse, lingerMs = 2_000): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(rawResponseBytes(r));
  socket.resume();
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

class RecordingReply {
  statusCode = 200;
  headers: Record<string, string> = {};
  payload = '';
  sent = false;
  code(status: number) {
    this.statusCode = status;
    return this;
  }
  status(status: number) {
    return this.code(status);
  }
  type(contentType: string) {
    this.headers['content-type'] = contentType;
    return this;
  }
  header(name: string, value: unknown) {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }
  getHeader(name: string) {
    return this.headers[name.toLowerCase()];
  }
  send(payload?: unknown) {
    this.sent = true;
    if (typeof payload === 'string') this.payload = payload;
    else if (Buffer.isBuffer(payload)) this.payload = payload.toString('utf8');
    else if (payload !== undefined) {
      this.payload = JSON.stringify(payload);
      this.headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    this.headers['content-type'] ??= 'text/plain; charset=utf-8';
    return this;
  }
}

/** Method and request target of the request line at the start of `packet`, if it is one. */
export function requestLineOf(packet: Buffer | undefined): { method: string; url: string } | undefined {
  if (!packet) return undefined;
  const head = packet.subarray(0, 8192).toString('latin1');
  const match = /^([A-Z]{1,20}) (\S{1,8000}) HTTP\/\d\.\d\r?\n/.exec(head) ?? /^([A-Z]{1,20}) (\/\S{0,8000})/.exec(head);
  return match ? { method: match[1]!, url: match[2]! } : undefined;
}
