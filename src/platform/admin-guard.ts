import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ProblemError, problem } from './problems.js';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The control API is open on loopback; with an admin token set, every call must carry it. */
export function adminGuard(adminToken: string | undefined) {
  return async (request: FastifyRequest) => {
    if (!adminToken) return;
    const auth = request.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7).trim() : ((request.headers['devkit-admin-token'] as string | undefined) ?? '');
    if (!sameSecret(given, adminToken)) {
      throw new ProblemError(problem(401, 'Unauthorized', 'The control API needs the admin token (Authorization: Bearer <token>) when the emulator listens beyond loopback.'));
    }
  };
}
