/**
 * Checkout's error shape (checkout.v3.yaml CheckoutProblemDetails): RFC 7807 with `errorCode` and
 * `errors: {Field: [message]}`, field names as the real (.NET) API writes them ("Transaction.Reference").
 * Codes the docs give: Session-00100 (404, "Session expired or not known.") and Validation-00001
 * (400). The others are ours, in the same style (docs/decisions.md, Checkout).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ids } from '../../platform/ids.js';
import { ProblemError } from '../../platform/problems.js';
import type { ApiError, ErrorShape } from '../module.js';
import { CheckoutProblem } from './schemas.js';

export interface CheckoutError {
  status: number;
  title: string;
  detail: string;
  errorCode: string;
  errors?: Record<string, string[]>;
}

export class CheckoutErrorThrown extends Error {
  constructor(readonly problem: CheckoutError) {
    super(`${problem.title}: ${problem.detail}`);
  }
}

/** Code of an error met before the API's own rules (faults, 404 paths, gateway-like refusals). */
function codeOf(status: number): string {
  switch (status) {
    case 400: return 'Validation-00001';
    case 401: return 'Auth-00001';
    case 403: return 'Auth-00003';
    case 404: return 'Session-00100';
    case 409: return 'Session-00200';
    case 429: return 'Request-00429';
    default: return status >= 500 ? 'Internal-00500' : `Request-00${status}`;
  }
}

/** ".NET" field names: `transaction.reference` → `Transaction.Reference`. */
export const fieldName = (path: string) => path.split('.').map((s) => s.replace(/^[a-z]/, (c) => c.toUpperCase())).join('.');

export function checkoutBody(e: CheckoutError): CheckoutProblem {
  return {
    type: `https://httpstatuses.io/${e.status}`,
    title: e.title,
    status: e.status,
    detail: e.detail,
    instance: ids.traceId(),
    errorCode: e.errorCode,
    errors: e.errors ?? {},
  };
}

export function sendCheckoutError(reply: FastifyReply, e: CheckoutError): FastifyReply {
  return reply.code(e.status).type('application/problem+json; charset=utf-8').send(JSON.stringify(checkoutBody(e)));
}

const validation = (errors: Record<string, string[]>): CheckoutError => ({
  status: 400,
  title: 'One or more validation errors occurred.',
  detail: Object.entries(errors).map(([k, v]) => `${k}: ${v.join(' ')}`).join(' '),
  errorCode: 'Validation-00001',
  errors,
});

export const checkoutErrors = {
  invalid: (field: string, message: string) => validation({ [field]: [message] }),
  unauthorized: (detail: string): CheckoutError => ({ status: 401, title: 'Unauthorized', detail, errorCode: 'Auth-00001' }),
  forbidden: (detail: string): CheckoutError => ({ status: 403, title: 'Forbidden', detail, errorCode: 'Auth-00003' }),
  notFound: (reference: string): CheckoutError => ({ status: 404, title: 'Session expired or not known.', detail: `No checkout session with reference ${reference} is known for this sales unit.`, errorCode: 'Session-00100' }),
  referenceTaken: (reference: string): CheckoutError => ({ status: 409, title: 'Conflict', detail: `A session or payment with reference ${reference} already exists for this sales unit.`, errorCode: 'Session-00200' }),
  paymentRefused: (status: number, title: string, detail: string): CheckoutError => ({ status: status >= 500 ? 502 : status, title, detail, errorCode: status === 409 ? 'Session-00200' : 'Payment-00001' }),
};

/** Anything thrown in a Checkout route, or met before one, in Checkout's shape. */
export function toCheckoutError(error: FastifyError | Error, request: FastifyRequest): CheckoutError {
  if (error instanceof CheckoutErrorThrown) return error.problem;
  const e = error as FastifyError;
  if (e.validation) {
    const errors: Record<string, string[]> = {};
    for (const d of validationDetails(e)) {
      const name = e.validationContext === 'body' ? fieldName(d.name) : d.name;
      (errors[name] ??= []).push(d.reason);
    }
    return validation(errors);
  }
  if (error instanceof ProblemError) {
    const p = error.problem;
    const fields = p.extraDetails?.filter((d) => d.name !== 'ErrorCode');
    return { status: p.status, title: p.title, detail: p.detail ?? p.title, errorCode: codeOf(p.status), ...(fields?.length ? { errors: Object.fromEntries(fields.map((f) => [f.name, [f.reason]])) } : {}) };
  }
  const p = toProblem(error, request);
  if (p.status >= 500) return { status: 500, title: 'Internal Server Error', detail: 'The emulator failed on this request; the error is in its log.', errorCode: 'Internal-00500' };
  return { status: p.status, title: p.title, detail: p.detail ?? p.title, errorCode: codeOf(p.status) };
}

export const checkoutErrorShape: ErrorShape = {
  send: (reply: FastifyReply, _request: FastifyRequest, e: ApiError) =>
    sendCheckoutError(reply, { status: e.status, title: e.title, detail: e.detail, errorCode: codeOf(e.status), ...(e.field ? { errors: { [e.field]: [e.detail] } } : {}) }),
  handler: (error, request, reply) => sendCheckoutError(reply, toCheckoutError(error, request)),
  body: { mediaType: 'application/problem+json', schema: CheckoutProblem, description: 'Checkout problem (CheckoutProblemDetails)' },
};
