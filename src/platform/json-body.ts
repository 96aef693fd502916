import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { JSON_LIMITS } from './limits.js';
import { ProblemError, problem } from './problems.js';

const POISON = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * JSON body parser for the APIs: an empty body counts as no body (clients send
 * `Content-Type: application/json` on body-less cancel and approve calls), malformed JSON is a 400
 * Problem that says where parsing failed, `__proto__` and `constructor.prototype` keys are refused
 * as Fastify's own parser refuses them (secure-json-parse), and a body beyond the documented
 * limits (JSON_LIMITS: nesting, string, array and object sizes) is a 400 before any route sees it.
 * Each module's error handler renders the Problem in its API's shape. JSON is the only media type:
 * any other is 415 (Fastify's default text/plain parser goes too). A route may read the parsed body
 * once more with its text (`config.readJsonBody`, e.g. numbers where strings belong:
 * src/platform/json-strings.ts).
 */
export function acceptJsonBodies(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, null);
    let parsed: unknown;
    try {
      // JSON.parse allows white space around the value itself: no trimmed copy of every body. The
      // prototype scan runs only when the text names __proto__ or constructor (a regex test).
      parsed = secureJson.parse(text, undefined, POISON);
    } catch (err) {
      if (text.trim() === '') return done(null, null);
      const message = (err as Error).message;
      if (message.startsWith('Object contains forbidden prototype property')) return done(refused('The request body has a "__proto__" or "constructor.prototype" key, which the emulator never accepts.'), undefined);
      return done(new ProblemError(problem(400, 'Invalid JSON', `The request body is not valid JSON: ${message}`)), undefined);
    }
    // A route may take longer strings (Order Management's base64 images: `config.jsonStringLimit`).
    const beyond = beyondLimits(parsed, 1, request.routeOptions.config?.jsonStringLimit ?? JSON_LIMITS.stringLength);
    if (beyond) return done(refused(beyond), undefined);
    const reread = request.routeOptions.config?.readJsonBody;
    done(null, reread ? reread(parsed, text) : parsed);
  });
}

const refused = (reason: string) => new ProblemError({ ...problem(400, 'Bad Request', reason), extraDetails: [{ name: 'body', reason }] });

/**
 * Why a parsed body breaks JSON_LIMITS, or undefined. Recursion stops at the depth limit, so the
 * walk itself is bounded (JSON.parse is not recursive in V8; deep input cannot overflow it).
 */
export function beyondLimits(value: unknown, depth: number, stringLength: number = JSON_LIMITS.stringLength): string | undefined {
  if (typeof value === 'string') return value.length > stringLength ? `A string in the request body is longer than ${stringLength} characters.` : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > JSON_LIMITS.depth) return `The request body nests objects and arrays deeper than ${JSON_LIMITS.depth} levels.`;
  if (Array.isArray(value)) {
    if (value.length > JSON_LIMITS.arrayItems) return `An array in the request body has more than ${JSON_LIMITS.arrayItems} items.`;
    for (let i = 0; i < value.length; i += 1) {
      const beyond = beyondLimits(value[i], depth + 1, stringLength);
      if (beyond) return beyond;
    }
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > JSON_LIMITS.objectMembers) return `An object in the request body has more than ${JSON_LIMITS.objectMembers} members.`;
  for (const key of keys) {
    if (key.length > JSON_LIMITS.stringLength) return `A key in the request body is longer than ${JSON_LIMITS.stringLength} characters.`;
    const beyond = beyondLimits((value as Record<string, unknown>)[key], depth + 1, stringLength);
    if (beyond) return beyond;
  }
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Longest string this route's JSON body may hold (default JSON_LIMITS.stringLength). */
    jsonStringLimit?: number;
  }
}
