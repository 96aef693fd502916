/**
 * The Login API's error shape: OAuth 2.0's `{error, error_description}` (RFC 6749 §5.2), as
 * oidc-provider answers and as the CIBA docs show; the spec's ErrorResponse requires only `error`.
 * Our own refusals (404/405, faults, slow_down, expired_token on the emulator clock) use it too.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../../platform/http-errors.js';
import type { ApiError, ErrorShape } from '../module.js';

export const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

const CODES: Record<number, string> = { 400: 'invalid_request', 401: 'invalid_client', 403: 'access_denied', 404: 'not_found', 405: 'method_not_allowed', 413: 'invalid_request', 415: 'invalid_request', 429: 'too_many_requests' };

export function sendOAuthError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify({ error, error_description: description }));
}

export const errorOf = (status: number) => CODES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request');

export const loginErrorShape: ErrorShape = {
  send: (reply, _request, e: ApiError) => sendOAuthError(reply, e.status, errorOf(e.status), e.detail),
  handler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    const p = toProblem(error, request);
    if (p.status >= 500) return sendOAuthError(reply, 500, 'server_error', 'The emulator failed on this request; the error is in its log.');
    return sendOAuthError(reply, p.status, errorOf(p.status), p.detail ?? p.title);
  },
  body: { mediaType: 'application/json', schema: OAuthError, description: 'OAuth 2.0 error: error, error_description' },
};
