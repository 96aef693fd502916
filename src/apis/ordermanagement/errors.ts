/**
 * Order Management's error shape (order-management.v2.yaml ErrorResponse): `{type, title, detail,
 * instance, invalidParams?}` as application/json, .NET-style field names. The gateway's 401s keep
 * the gateway's body (decision 29).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ids } from '../../platform/ids.js';
import { ProblemError } from '../../platform/problems.js';
import type { ApiError, ErrorShape } from '../module.js';
import { OmError } from './schemas.js';

export interface OmProblem {
  status: number;
  title: string;
  detail: string;
  invalidParams?: Array<{ name: string; reason: string }>;
}

export class OmErrorThrown extends Error {
  constructor(readonly problem: OmProblem) {
    super(problem.detail);
  }
}

export function omBody(p: OmProblem): OmError {
  return {
    type: `https://httpstatuses.io/${p.status}`,
    title: p.title,
    detail: p.detail,
    instance: ids.traceId(),
    ...(p.invalidParams?.length ? { invalidParams: p.invalidParams } : {}),
  };
}

export function sendOmError(reply: FastifyReply, p: OmProblem): FastifyReply {
  return reply.code(p.status).type('application/json; charset=utf-8').send(JSON.stringify(omBody(p)));
}

/** `orderLines.0.totalAmount` → `OrderLines[0].TotalAmount`. */
export const fieldName = (path: string) =>
  path.split('.').map((s) => s.replace(/^[a-z]/, (c) => c.toUpperCase())).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');

export const invalid = (name: string, reason: string): OmProblem => ({ status: 400, title: 'One or more validation errors occurred.', detail: `${name}: ${reason}`, invalidParams: [{ name, reason }] });

export const omErrors = {
  invalid,
  orderNotFound: (orderId: string): OmProblem => ({ status: 404, title: 'Not Found', detail: `No category or receipt was sent for order ${orderId}.` }),
  categoryNotFound: (id: string): OmProblem => ({ status: 404, title: 'Not Found', detail: `No category ${id} exists for this sales unit.` }),
  imageNotFound: (id: string): OmProblem => ({ status: 404, title: 'Not Found', detail: `No image ${id} was uploaded by this sales unit.` }),
  imageExists: (id: string): OmProblem => ({ status: 409, title: 'Conflict', detail: `An image with id ${id} exists already: images cannot be overwritten; upload it under a new id.` }),
  receiptExists: (orderId: string): OmProblem => ({ status: 409, title: 'Conflict', detail: `Order ${orderId} has a receipt already: a receipt can be sent once.` }),
};

export function toOmProblem(error: FastifyError | Error, request: FastifyRequest): OmProblem {
  if (error instanceof OmErrorThrown) return error.problem;
  const e = error as FastifyError;
  if (e.validation) {
    const params = validationDetails(e).map((d) => ({ name: e.validationContext === 'body' ? fieldName(d.name) : d.name, reason: d.reason }));
    return { status: 400, title: 'One or more validation errors occurred.', detail: params.map((p) => `${p.name}: ${p.reason}`).join(' '), invalidParams: params };
  }
  if (error instanceof ProblemError) {
    const p = error.problem;
    const params = p.extraDetails?.filter((d) => d.name !== 'ErrorCode');
    return { status: p.status, title: p.title, detail: p.detail ?? p.title, ...(params?.length ? { invalidParams: params } : {}) };
  }
  const p = toProblem(error, request);
  if (p.status >= 500) return { status: 500, title: 'Internal Server Error', detail: 'The emulator failed on this request; the error is in its log.' };
  return { status: p.status, title: p.title, detail: p.detail ?? p.title };
}

export const omErrorShape: ErrorShape = {
  send: (reply: FastifyReply, _request: FastifyRequest, e: ApiError) => sendOmError(reply, { status: e.status, title: e.title, detail: e.detail, ...(e.field ? { invalidParams: [{ name: e.field, reason: e.detail }] } : {}) }),
  handler: (error, request, reply) => sendOmError(reply, toOmProblem(error, request)),
  body: { mediaType: 'application/json', schema: OmError, description: 'Order Management problem (ErrorResponse)' },
};
