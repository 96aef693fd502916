import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, ProblemError, problem, problemBody, type ExtraDetail, type Problem } from './problems.js';
import { ProblemBody } from './schemas.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, p: Problem, instance: string): FastifyReply {
  return reply.code(p.status).type(PROBLEM_TYPE).send(JSON.stringify(problemBody(p, instance)));
}

/** Turns Ajv's errors into field names the way a client wrote them: `amount.value`, `Idempotency-Key`. */
export function validationDetails(error: FastifyError): ExtraDetail[] {
  const where = error.validationContext;
  return withoutUnionNoise(error.validation ?? []).map((v) => {
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const extra = (v.params as { additionalProperty?: string }).additionalProperty;
    const segments = v.instancePath.split('/').filter(Boolean);
    if (missing) segments.push(missing);
    if (extra) segments.push(extra);
    let name = segments.join('.');
    if (where === 'headers') name = headerName(name);
    if (!name) name = where ?? 'body';
    const reason = extra ? `unknown property ${extra}` : missing ? `${missing} is required` : `must ${v.message?.replace(/^must /, '') ?? 'be valid'}`;
    return { name, reason };
  });
}

type ValidationItem = NonNullable<FastifyError['validation']>[number];

/**
 * A nullable or union schema adds "must be null" and "must match a schema in anyOf" to the error
 * that matters (the field that is wrong): those are the schema's wording, not the client's mistake.
 * They are dropped when something else explains the failure.
 */
function withoutUnionNoise(items: ValidationItem[]): ValidationItem[] {
  const noise = (v: ValidationItem) => v.keyword === 'anyOf' || v.keyword === 'oneOf' || (v.keyword === 'type' && (v.params as { type?: unknown }).type === 'null');
  const kept = items.filter((v) => !noise(v));
  return kept.length > 0 ? kept : items;
}

const headerName = (lower: string) => lower.split('-').map((w) => (w === 'msn' ? 'MSN' : w.charAt(0).toUpperCase() + w.slice(1))).join('-');

/** Maps what Fastify and our code throw to a Problem; anything unexpected is a logged 500. */
export function toProblem(error: FastifyError | Error, request: FastifyRequest): Problem {
  if (error instanceof ProblemError) return error.problem;
  const e = error as FastifyError;
  if (e.validation) {
    const extraDetails = validationDetails(e);
    const detail = extraDetails.map((d) => `${d.name}: ${d.reason}`).join('; ');
    return { ...problem(400, 'Bad Request', `One or more validation errors occurred. ${detail}`), extraDetails };
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'Payload Too Large', 'The request body is larger than the API accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'Unsupported Media Type', `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported; send application/json.`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'Bad Request', 'The Content-Length header does not match the body.');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return problem(e.statusCode, 'Bad Request', e.message);
  request.log.error({ err: error }, 'unexpected error');
  return problem(500, 'Internal error', 'The emulator failed on this request; the error is in its log.', '3010');
}

/** Error handler for APIs that answer in RFC 7807 Problem JSON (ePayment, Webhooks, control API). */
export function problemErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof GatewayError) return reply.code(error.statusCode).send(error.body());
  return sendProblem(reply, toProblem(error, request), request.url.split('?')[0]!);
}

/** A problem from the contract's ApiError. */
export const problemOf = (e: { status: number; title: string; detail: string; field?: string }): Problem => ({
  ...problem(e.status, e.title, e.detail),
  ...(e.field ? { extraDetails: [{ name: e.field, reason: e.detail }] } : {}),
});

/** The error shape of every RFC 7807 API (ePayment, Webhooks, Recurring, the control API). */
export const problemShape = {
  send: (reply: FastifyReply, request: FastifyRequest, e: { status: number; title: string; detail: string; field?: string }) =>
    sendProblem(reply, problemOf(e), request.url.split('?')[0]!),
  handler: problemErrorHandler,
  body: { mediaType: 'application/problem+json', schema: ProblemBody, description: 'RFC 7807 problem' },
};
