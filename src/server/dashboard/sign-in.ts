import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'devkit_dashboard';

/** The cookie's value: derived from the admin token, so the token itself never sits in the browser. */
const cookieValue = (adminToken: string) => createHmac('sha256', adminToken).update('vipps-devkit dashboard').digest('base64url');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return undefined;
}

/**
 * When the emulator has an admin token (it listens beyond loopback), a browser signs in once with
 * it on /dashboard/sign-in and gets an HttpOnly, SameSite=Strict cookie; API clients keep sending
 * the token as a header. Without a token everything is open, as the control API is.
 */
export function dashboardSession(adminToken: string | undefined) {
  return {
    /** True when the request may use the dashboard by its cookie. */
    signedIn(request: FastifyRequest): boolean {
      if (!adminToken) return true;
      const value = cookieOf(request);
      return value !== undefined && same(value, cookieValue(adminToken));
    },
    /** Checks a typed token; on success sets the cookie. */
    signIn(reply: FastifyReply, given: string): boolean {
      if (!adminToken || !same(given, adminToken)) return false;
      reply.header('set-cookie', `${COOKIE}=${cookieValue(adminToken)}; Path=/; HttpOnly; SameSite=Strict`);
      return true;
    },
  };
}
