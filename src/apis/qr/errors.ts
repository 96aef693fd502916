/**
 * The QR API's own error shapes. Most endpoints (qr.v1.yaml `QrErrorResponse`): an ASP.NET-style problem
 * `{type, title, detail, instance, invalidParams?: [{name, reason}]}` sent as `application/json`,
 * the media type the spec declares. No `status`, no `traceId`, no `extraDetails`: those belong to
 * the ePayment-style problems. A 409 also carries the taken `id` (the spec's 409 body). The two
 * exchange endpoints document `{title, status, detail, extraDetails}` instead (`ExchangeProblem`).
 * Gateway errors (subscription key, token) keep the gateway's `{statusCode, message}`: the server
 * answers those for every API (decision 29).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ids } from '../../platform/ids.js';
import { ProblemError } from '../../platform/problems.js';
import type { ApiError, ErrorShape } from '../module.js';
import { QrErrorResponse } from './schemas.js';

export interface InvalidParam {
  name: string;
  reason: string;
}

/** A refusal as the QR domain and routes describe it. */
export interface QrProblem {
  status: number;
  title: string;
  detail: string;
  invalidParams?: InvalidParam[];
  /** 409 on create: the id that is taken. */
  id?: string;
}

/** The body most QR errors are sent with: qr.v1.yaml `QrErrorResponse`. */
export type QrErrorBody = QrErrorResponse;

export class QrErrorThrown extends Error {
  constructor(readonly problem: QrProblem) {
    super(`${problem.title}: ${problem.detail}`);
  }
}

/** What ASP.NET Core puts in `type` for each status (the spec's validation example has 400's). */
const TYPES: Record<number, string> = {
  400: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.1',
  401: 'https://datatracker.ietf.org/doc/html/rfc7235#section-3.1',
  403: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.3',
  404: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.4',
  405: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.5',
  409: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.8',
  413: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.11',
  415: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.5.13',
  429: 'https://datatracker.ietf.org/doc/html/rfc6585#section-4',
  500: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.1',
  502: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.3',
  503: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.4',
  504: 'https://datatracker.ietf.org/doc/html/rfc7231#section-6.6.5',
};

export function qrErrorBody(p: QrProblem): QrErrorBody {
  return {
    type: TYPES[p.status] ?? `https://httpstatuses.io/${p.status}`,
    title: p.title,
    detail: p.detail,
    // The spec's examples carry a trace id here.
    instance: ids.traceId(),
    ...(p.invalidParams?.length ? { invalidParams: p.invalidParams } : {}),
    ...(p.id === undefined ? {} : { id: p.id }),
  };
}

export function sendQrProblem(reply: FastifyReply, p: QrProblem): FastifyReply {
  return reply.code(p.status).type('application/json; charset=utf-8').send(JSON.stringify(qrErrorBody(p)));
}

const VALIDATION_TITLE = 'One or more validation errors occurred.';
const invalid = (params: InvalidParam[]): QrProblem => ({
  status: 400,
  title: VALIDATION_TITLE,
  detail: params.map((p) => `${p.name}: ${p.reason}`).join(' '),
  invalidParams: params,
});

/** Body fields are named as the real (.NET) API names them in `invalidParams`: `RedirectUrl`, `Ttl`. */
export const fieldName = (path: string) => path.split('.').map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('.');

export const ACCEPTED = ['image/*', 'image/png', 'image/svg+xml', 'text/targetUrl'];

/** The QR API's catalogue. Titles and wording follow the spec's examples where it has them. */
export const qrErrors = {
  invalidField: (name: string, reason: string): QrProblem => invalid([{ name, reason }]),
  redirectUrl: (name = 'RedirectUrl'): QrProblem =>
    invalid([{ name, reason: `The field ${name} must be an https:// URL matching '^https://[\\w\\.]+([\\w#!:.?+=&%@\\-/]+)?$' (the emulator also takes http://localhost and http://127.0.0.1).` }]),
  size: (value: string): QrProblem => invalid([{ name: 'Size', reason: `Size must be a whole number of pixels from 100 to 2000 (got ${JSON.stringify(value)}).` }]),
  acceptMissing: (): QrProblem => invalid([{ name: 'Accept', reason: `The Accept header is required: one of ${ACCEPTED.join(', ')}.` }]),
  acceptUnsupported: (value: string): QrProblem => ({
    status: 415,
    title: 'Unsupported Media Type',
    detail: `Accept ${JSON.stringify(value)} is not supported: use one of ${ACCEPTED.join(', ')}.`,
  }),
  redirectNotFound: (id: string): QrProblem => ({ status: 404, title: 'Not Found', detail: `No merchant redirect QR with id ${JSON.stringify(id)} exists for this sales unit.` }),
  redirectExists: (id: string): QrProblem => ({ status: 409, title: 'Conflict', detail: `A merchant redirect QR with id ${JSON.stringify(id)} already exists for this sales unit.`, id }),
  landingUrlInvalid: (): QrProblem => ({ status: 400, title: 'Validation error', detail: 'Supplied landing page token is not valid', invalidParams: [{ name: 'Url', reason: 'Must be the landing page URL that the eCom, Recurring or ePayment API returned for a payment.' }] }),
  imageNotFound: (): QrProblem => ({ status: 404, title: 'Not Found', detail: 'No active QR code has this image link: it was deleted or has expired.' }),
  callbackNotFound: (merchantQrId: string): QrProblem => ({ status: 404, title: 'Not Found', detail: `No merchant callback QR ${JSON.stringify(merchantQrId)} exists for this sales unit.` }),
  beaconTaken: (beaconId: string): QrProblem => ({ status: 409, title: 'Conflict', detail: `The MobilePay beacon ${JSON.stringify(beaconId)} is mapped to another sales unit.`, id: beaconId }),
};

// ---- the exchange endpoints' own shape ----

/** `POST /v1/exchange` and `/v1/exchange/customer` answer `{title, status, detail, extraDetails}` (QR-SPEC). */
export interface ExchangeProblem {
  status: number;
  title: string;
  detail: string;
  extraDetails?: InvalidParam[];
}

export const exchangeErrors = {
  invalid: (extraDetails: InvalidParam[]): ExchangeProblem => ({ status: 400, title: 'Bad request', detail: 'The request body contains one or more invalid parameters.', extraDetails }),
  qrCode: (): ExchangeProblem => ({
    status: 400,
    title: 'Bad request',
    detail: 'The request body contains one or more invalid parameters.',
    extraDetails: [{ name: 'qrCode', reason: 'The complete data contained in the QR code is required: the QR a Vipps user shows in the app.' }],
  }),
  customerToken: (): ExchangeProblem => ({
    status: 400,
    title: 'Bad request',
    detail: 'The request body contains one or more invalid parameters.',
    extraDetails: [{ name: 'customer.customerToken', reason: 'The customerToken is not valid for this sales unit: unknown, or older than 15 minutes.' }],
  }),
};

export function sendExchangeProblem(reply: FastifyReply, p: ExchangeProblem): FastifyReply {
  const body = { title: p.title, status: p.status, detail: p.detail, ...(p.extraDetails?.length ? { extraDetails: p.extraDetails } : {}) };
  return reply.code(p.status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

const EXCHANGE_PATH = '/qr/v1/exchange';
const isExchange = (request: FastifyRequest) => {
  const path = request.url.split('?')[0]!;
  return path === EXCHANGE_PATH || path.startsWith(`${EXCHANGE_PATH}/`);
};

/** The exchange endpoints' error handler: validation, malformed JSON, the unexpected, in their shape. */
export function exchangeErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const e = error as FastifyError;
  if (e.validation) return sendExchangeProblem(reply, exchangeErrors.invalid(validationDetails(e)));
  const p = toQrProblem(error, request);
  return sendExchangeProblem(reply, { status: p.status, title: p.status === 400 ? 'Bad request' : p.title, detail: p.detail, ...(p.invalidParams ? { extraDetails: p.invalidParams } : {}) });
}

/** Anything thrown in a QR route, or met before one (faults, 404s), as a QrProblem. */
export function toQrProblem(error: FastifyError | Error, request: FastifyRequest): QrProblem {
  if (error instanceof QrErrorThrown) return error.problem;
  if (error instanceof ProblemError) {
    // The platform's own refusals (the MSN header, malformed JSON): same words, the QR API's shape.
    const p = error.problem;
    const params = p.extraDetails?.filter((d) => d.name !== 'ErrorCode');
    return { status: p.status, title: p.title, detail: p.detail ?? p.title, ...(params?.length ? { invalidParams: params } : {}) };
  }
  const e = error as FastifyError;
  if (e.validation) {
    const where = e.validationContext;
    // The image routes' schemas require Accept (as the spec does). Missing, it is the domain's own
    // 400 naming it, and only when nothing else in the headers is wrong (as when the route read it).
    const rest = where === 'headers' ? e.validation.filter((v) => (v.params as { missingProperty?: string }).missingProperty !== 'accept') : e.validation;
    if (where === 'headers' && rest.length === 0) return qrErrors.acceptMissing();
    return invalid(validationDetails({ validation: rest, validationContext: where } as FastifyError).map((d) => ({ name: where === 'body' ? fieldName(d.name) : d.name, reason: d.reason })));
  }
  const p = toProblem(error, request);
  if (p.status >= 500) return { status: 500, title: 'Internal Server Error', detail: p.detail ?? 'The emulator failed on this request; the error is in its log.' };
  return { status: p.status, title: p.title, detail: p.detail ?? p.title };
}

export function qrErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  return sendQrProblem(reply, toQrProblem(error, request));
}

/** The module contract's error shape: faults, 404/405 and pre-routing errors under /qr/ come as QrErrorResponse too. */
export const qrErrorShape: ErrorShape = {
  send: (reply: FastifyReply, request: FastifyRequest, e: ApiError) => {
    const params = e.field ? [{ name: e.field, reason: e.detail }] : undefined;
    // One API, two documented shapes: the exchange endpoints' errors carry status and extraDetails.
    if (isExchange(request)) return sendExchangeProblem(reply, { status: e.status, title: e.title, detail: e.detail, ...(params ? { extraDetails: params } : {}) });
    return sendQrProblem(reply, { status: e.status, title: e.title, detail: e.detail, ...(params ? { invalidParams: params } : {}) });
  },
  handler: (error, request, reply) => (isExchange(request) ? exchangeErrorHandler(error, request, reply) : qrErrorHandler(error, request, reply)),
  // The exchange routes declare their own error body (routes.ts); the gateway's 401 is declared by merchantAuth.
  body: { mediaType: 'application/json', schema: QrErrorResponse, description: 'QR API problem (QrErrorResponse)' },
};
