import type { FastifyInstance } from 'fastify';
import { ProblemError, problem } from './problems.js';

/**
 * JSON body parser for the APIs: an empty body counts as no body (clients send
 * `Content-Type: application/json` on body-less cancel and approve calls), and malformed JSON
 * is a 400 Problem that says where parsing failed. JSON is the only media type: any other is 415
 * (Fastify's default text/plain parser goes too). A route may read the parsed body once more with
 * its text (`config.readJsonBody`, e.g. numbers where strings belong: src/platform/json-strings.ts).
 */
export function acceptJsonBodies(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text === '') return done(null, null);
    let parsed: unknown;
    try {
      // JSON.parse allows white space around the value itself: no trimmed copy of every body.
      parsed = JSON.parse(text);
    } catch (err) {
      if (text.trim() === '') return done(null, null);
      return done(new ProblemError(problem(400, 'Invalid JSON', `The request body is not valid JSON: ${(err as Error).message}`)), undefined);
    }
    const reread = request.routeOptions.config?.readJsonBody;
    done(null, reread ? reread(parsed, text) : parsed);
  });
}
