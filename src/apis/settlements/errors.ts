/**
 * The Report API's error shapes (report.yaml, reference §6.10):
 * - 401: `{"code":"Unauthorized","message":"Please check your API keys"}` (application/json);
 * - input validation (400) and server errors (500): `{errorCode, errorMessage, contextId}` with the
 *   documented codes 10002 (validation: the message names the field) and 10001 (unknown, retry);
 * - everything else (404, 405, 415, ...): the spec's default `application/problem+json`
 *   `{type, title, status, detail, instance}`.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ids } from '../../platform/ids.js';
import { GatewayError } from '../../platform/problems.js';
import type { ApiError, ErrorShape } from '../module.js';

export const UNAUTHORIZED = { code: 'Unauthorized', message: 'Please check your API keys' } as const;

export const VALIDATION_CODE = 10002;
export const UNKNOWN_CODE = 10001;

/** A refusal as the routes raise it. */
export class ReportError extends Error {
  constructor(readonly status: number, readonly title: string, readonly detail: string) {
    super(`${title}: ${detail}`);
  }
}

export const reportErrors = {
  invalid: (field: string, reason: string) => new ReportError(400, 'Bad Request', `${field}: ${reason}`),
  unauthorized: () => new ReportError(401, 'Unauthorized', UNAUTHORIZED.message),
};

const JSON_TYPE = 'application/json; charset=utf-8';

export function sendReportError(reply: FastifyReply, request: FastifyRequest, e: ApiError): FastifyReply {
  if (e.status === 401) return reply.code(401).type(JSON_TYPE).send(JSON.stringify(UNAUTHORIZED));
  if (e.status === 400 || e.status >= 500) {
    const errorCode = e.status === 400 ? VALIDATION_CODE : UNKNOWN_CODE;
    return reply.code(e.status).type(JSON_TYPE).send(JSON.stringify({ errorCode, errorMessage: e.detail, contextId: ids.uuid() }));
  }
  const body = { type: `https://developer.vippsmobilepay.com/docs/APIs/report-api/api-guide/errors#${e.status}`, title: e.title, status: e.status, detail: e.detail, instance: request.url.split('?')[0] ?? request.url };
  return reply.code(e.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(body));
}

function handler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ReportError) return sendReportError(reply, request, error);
  // The gateway's refusals (missing or wrong key or token) come as the Report API documents its 401.
  if (error instanceof GatewayError) return sendReportError(reply, request, { status: 401, title: 'Unauthorized', detail: error.message });
  const fe = error as FastifyError;
  if (fe.validation) {
    const details = validationDetails(fe);
    return sendReportError(reply, request, { status: 400, title: 'Bad Request', detail: details.map((d) => `${d.name}: ${d.reason}`).join('; ') });
  }
  const p = toProblem(error, request);
  return sendReportError(reply, request, { status: p.status, title: p.title, detail: p.status >= 500 ? 'An unknown error occurred; please retry.' : (p.detail ?? p.title) });
}

export const ErrorCodeBody = Type.Object({ errorCode: Type.Number(), errorMessage: Type.String(), contextId: Type.String() }, { description: 'Report API error (10001 unknown, 10002 validation)' });
export const UnauthorizedBody = Type.Object({ code: Type.String(), message: Type.String() }, { description: 'Report API 401' });
export const ReportProblem = Type.Object(
  { type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), instance: Type.String() },
  { description: 'Report API problem (default response)' },
);

export const reportErrorShape: ErrorShape = {
  send: sendReportError,
  handler,
  body: { mediaType: 'application/problem+json', schema: ReportProblem, description: 'Report API problem' },
};
