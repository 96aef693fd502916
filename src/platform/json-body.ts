import type { FastifyInstance } from 'fastify';
import { ProblemError, problem } from './problems.js';

/**
 * JSON body parser for the APIs: an empty body counts as no body (clients send
 * `Content-Type: application/json` on body-less cancel and approve calls), and malformed JSON
 * is a 400 Problem that says where parsing failed.
 */
export function acceptJsonBodies(app: FastifyInstance) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
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
    done(null, parsed);
  });
}
