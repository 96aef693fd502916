import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { EcomErrorThrown, ecomErrorBody, type EcomError } from '../apis/ecom/errors.js';
import { GatewayError, ProblemError, problem, problemBody, type ExtraDetail, type Problem } from '../platform/problems.js';

const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, p: Problem, instance: string): FastifyReply {
  return reply.code(p.status).type(PROBLEM_TYPE).send(JSON.stringify(problemBody(p, instance)));
}

/** Turns Ajv's errors into field names the way a client wrote them: `amount.value`, `Idempotency-Key`. */
export function validationDetails(error: FastifyError): ExtraDetail[] {
  const where = error.validationContext;
  return (error.validation ?? []).map((v) => {
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

/**
 * Error handler for eCom v2, which answers in its own shape: a JSON array of
 * `{errorGroup, errorCode, errorMessage, contextId}`; for InvalidRequest the field is the errorCode.
 * Gateway errors keep the gateway's body, as for ePayment (decision 9).
 */
export function ecomErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof GatewayError) return reply.code(error.statusCode).send(error.body());
  return sendEcomErrors(reply, [toEcomError(error, request)]);
}

export function sendEcomErrors(reply: FastifyReply, errors: EcomError[]): FastifyReply {
  return reply.code(errors[0]!.status).type('application/json;charset=UTF-8').send(JSON.stringify(ecomErrorBody(errors)));
}

export function toEcomError(error: FastifyError | Error, request: FastifyRequest): EcomError {
  if (error instanceof EcomErrorThrown) return error.error;
  if (error instanceof ProblemError) {
    const p = error.problem;
    const field = p.extraDetails?.[0]?.name;
    if (p.status === 403) return { status: 403, group: 'Merchant', code: '37', message: p.detail ?? p.title };
    return { status: p.status, group: p.status >= 500 ? 'VippsError' : 'InvalidRequest', code: field ?? (p.title === 'Invalid JSON' ? 'body' : String(p.status)), message: p.detail ?? p.title };
  }
  const e = error as FastifyError;
  if (e.validation) {
    const [first] = validationDetails(e);
    const message = validationDetails(e).map((d) => `${d.name}: ${d.reason}`).join('; ');
    return { status: 400, group: 'InvalidRequest', code: first?.name ?? 'body', message };
  }
  const p = toProblem(error, request);
  if (p.status >= 500) return { status: 500, group: 'VippsError', code: '99', message: 'Internal error. The emulator failed on this request; the error is in its log.' };
  return { status: p.status, group: 'InvalidRequest', code: p.status === 415 ? 'Content-Type' : 'body', message: p.detail ?? p.title };
}
