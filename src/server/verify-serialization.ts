import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance } from 'fastify';

const plain = Symbol('plain JSON of the payload');
declare module 'fastify' {
  interface FastifyReply {
    [plain]?: string;
  }
}

/**
 * For tests: fast-json-stringify serializes with the route's response schema and silently drops
 * what the schema does not declare (and coerces what it types differently). This compares every
 * serialized JSON response with JSON.stringify of the same payload and fails the request (500,
 * with the difference in the error) when they differ, so an incomplete response schema cannot
 * lose a field unnoticed. Costs a stringify and two parses per response: never on in production.
 * On when `serve`/`startEmulator` get `verifySerialization` or VIPPS_DEVKIT_VERIFY_SERIALIZATION=1.
 */
export function verifySerialization(app: FastifyInstance): void {
  app.addHook('preSerialization', (_request, reply, payload, done) => {
    reply[plain] = JSON.stringify(payload);
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const expected = reply[plain];
    if (expected === undefined || typeof payload !== 'string') return done(null, payload);
    reply[plain] = undefined;
    const want: unknown = JSON.parse(expected);
    const got: unknown = JSON.parse(payload);
    if (isDeepStrictEqual(want, got)) return done(null, payload);
    const message = `response serialization of ${request.method} ${request.url} (${reply.statusCode}) differs from the payload: ${differences(want, got).slice(0, 10).join('; ')}`;
    console.error(`[verify-serialization] ${message}`);
    done(new Error(message));
  });
}

function differences(want: unknown, got: unknown, at = '$'): string[] {
  if (isDeepStrictEqual(want, got)) return [];
  if (want && got && typeof want === 'object' && typeof got === 'object' && Array.isArray(want) === Array.isArray(got)) {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    return [...keys].flatMap((k) => {
      const w = (want as Record<string, unknown>)[k];
      const g = (got as Record<string, unknown>)[k];
      if (!(k in got)) return [`${at}.${k} dropped`];
      if (!(k in want)) return [`${at}.${k} added`];
      return differences(w, g, `${at}.${k}`);
    });
  }
  return [`${at}: ${JSON.stringify(want)} became ${JSON.stringify(got)}`];
}
