/**
 * Recurring's own error shape (recurring.yaml ErrorV3): a problem whose `type` names one of the
 * documented problem ids (`…/recurring-api-problems#<id>`), with `instance` (the path), `contextId`
 * and `extraDetails: [{field, text}]`, sent as `application/json;charset=UTF-8` as the spec declares.
 * Gateway errors (token, subscription key) keep the gateway's body: the server answers those.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ids } from '../../platform/ids.js';
import { ProblemError } from '../../platform/problems.js';
import type { ApiError, ErrorShape } from '../module.js';
import { RecurringErrorBody } from './schemas.js';

export interface ExtraDetail {
  field: string;
  text: string;
}

/** A refusal as the Recurring domain and routes describe it. */
export interface RecurringProblem {
  status: number;
  /** The documented problem id (R-PROB), e.g. `validation-error`. */
  id: string;
  title: string;
  detail: string;
  extraDetails?: ExtraDetail[];
}

export class RecurringError extends Error {
  constructor(readonly problem: RecurringProblem) {
    super(`${problem.title}: ${problem.detail}`);
  }
  get statusCode(): number {
    return this.problem.status;
  }
}

const TYPE_BASE = 'https://developer.vippsmobilepay.com/docs/APIs/recurring-api/recurring-api-problems#';
const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };
const ID_OF_STATUS: Record<number, string> = { 400: 'validation-error', 401: 'not-authorized', 403: 'invalid-sale-unit', 404: 'resource-not-found', 405: 'resource-not-found', 409: 'conflict', 415: 'unsupported-media-type', 429: 'too-many-requests' };

const p = (status: number, id: string, detail: string, extraDetails?: ExtraDetail[]): RecurringProblem => ({
  status,
  id,
  title: TITLES[status] ?? 'Error',
  detail,
  ...(extraDetails?.length ? { extraDetails } : {}),
});

export const CONTENT_TYPE = 'application/json;charset=UTF-8';

export function recurringErrorBody(problem: RecurringProblem, instance: string): RecurringErrorBody {
  return {
    type: `${TYPE_BASE}${problem.id}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance,
    contextId: ids.uuid(),
    ...(problem.extraDetails?.length ? { extraDetails: problem.extraDetails } : {}),
  };
}

export function sendRecurringProblem(reply: FastifyReply, request: FastifyRequest, problem: RecurringProblem): FastifyReply {
  return reply.code(problem.status).type(CONTENT_TYPE).send(JSON.stringify(recurringErrorBody(problem, request.url.split('?')[0]!)));
}

const field = (name: string, text: string) => [{ field: name, text }];

/** The catalogue. Ids are R-PROB's; statuses where it gives none: 400 input, 404 unknown, 409 the object's state. */
export const recurringErrors = {
  validation: (name: string, text: string) => p(400, 'validation-error', `Input validation failed: ${name} ${text}`, field(name, text)),
  idempotencyKey: (given: string | undefined) =>
    p(400, 'idempotency-key-header', given === undefined ? 'The Idempotency-Key header is required on every POST, PATCH and DELETE.' : 'The Idempotency-Key must be 1–40 characters and must not contain #, ?, / or \\.', field('Idempotency-Key', given === undefined ? 'is required' : 'must be 1–40 characters without #?/\\')),
  idempotencyConflict: (key: string) => p(409, 'idempotency-conflict', `The Idempotency-Key ${key} was already used with a different request.`, field('Idempotency-Key', 'was used with another request')),
  agreementNotFound: (id: string) => p(404, 'resource-not-found', `No agreement ${id} exists for this sales unit.`),
  chargeNotFound: (id: string) => p(404, 'resource-not-found', `No charge ${id} exists for this agreement.`),
  skipLandingPage: () => p(403, 'invalid-sale-unit', 'skipLandingPage is not allowed for this sales unit: it must be whitelisted (allowSkipLandingPage in the control API).', field('skipLandingPage', 'the sales unit is not whitelisted')),
  suggestedMaxAmount: (text: string) => p(400, 'invalid-suggested-max-amount', text, field('pricing.suggestedMaxAmount', text)),
  campaignWithVariable: () => p(400, 'validation-error', 'A campaign cannot be combined with VARIABLE pricing.', field('campaign', 'not allowed with pricing.type VARIABLE')),
  chargeIdTaken: (id: string) => p(409, 'conflict', `A charge with the id ${id} already exists for this sales unit (orderId must be unique).`, field('orderId', 'is already used')),
  illegalUpdate: (status: string, why: string) => p(400, 'illegal-agreement-update', `The agreement is ${status}: ${why}`),
  stopMustBeAlone: () => p(400, 'validation-error', 'status STOPPED must be the only change in the request.', field('status', 'must be the only field when STOPPED')),
  notPending: (status: string) => p(409, 'conflict', `Only a PENDING agreement can be accepted; this one is ${status}.`),
  userNotFound: (phone: string) => p(400, 'validation-error', `No Vipps test user has the phone number ${phone}.`, field('phoneNumber', 'is not a test user')),
  agreementNotActive: (status: string) => p(409, 'charge-creation-failed', `Charges can only be created on ACTIVE agreements; this one is ${status}.`),
  dueTooSoon: (earliest: string) => p(400, 'charge-due-too-soon', `due must be ${earliest} or later (at least one day ahead in the test environment).`, field('due', `must be ${earliest} or later`)),
  dueTooLate: (latest: string) => p(400, 'charge-due-in-too-long', `due must be ${latest} or earlier (at most two years ahead).`, field('due', `must be ${latest} or earlier`)),
  amountTooHigh: (amount: number, limit: number, why: string) => p(400, 'charge-amount-too-high', `The amount ${amount} is above the limit ${limit}: ${why}.`, field('amount', `must be at most ${limit}`)),
  cannotCancel: (status: string) => p(409, 'cancel-charge-failed', `A charge in status ${status} cannot be cancelled.`),
  cannotCapture: (status: string, why = `A charge in status ${status} cannot be captured.`) => p(409, 'charge-capture-failed', why),
  captureTooHigh: (amount: number, left: number) => p(400, 'charge-capture-failed', `Tried to capture ${amount}, but only ${left} is reserved and not captured.`, field('amount', `must be at most ${left}`)),
  capturePeriodExpired: () => p(400, 'charge-capture-failed', 'A reserved charge can be captured up to 180 days after it was reserved.'),
  cannotRefund: (status: string) => p(409, 'operation-failed', `A charge in status ${status} cannot be refunded.`),
  refundTooHigh: (amount: number, left: number) => p(400, 'operation-failed', `Tried to refund ${amount}, but only ${left} of the captured amount is left to refund.`, field('amount', `must be at most ${left}`)),
  refundPeriodExpired: () => p(400, 'operation-failed', 'A charge can be refunded up to 365 days after it was captured.'),
  continuationToken: () => p(400, 'validation-error', 'The Continuation-Token is unknown or has expired: start the listing again without it.', field('Continuation-Token', 'unknown or expired')),
  unsupported: (what: string) => p(400, 'unsupported-feature', what),
};

/** Anything thrown in a Recurring route, or met before one (faults, 404s), as a RecurringProblem. */
export function toRecurringProblem(error: FastifyError | Error, request: FastifyRequest): RecurringProblem {
  if (error instanceof RecurringError) return error.problem;
  if (error instanceof ProblemError) {
    const q = error.problem;
    const extra = q.extraDetails?.filter((d) => d.name !== 'ErrorCode').map((d) => ({ field: d.name, text: d.reason }));
    return p(q.status, q.title === 'Invalid JSON' ? 'invalid-json' : (ID_OF_STATUS[q.status] ?? 'operation-failed'), q.detail ?? q.title, extra);
  }
  const e = error as FastifyError;
  if (e.validation) {
    if (e.validationContext === 'headers' && e.validation.some((v) => v.instancePath.includes('idempotency-key') || (v.params as { missingProperty?: string }).missingProperty === 'idempotency-key')) {
      const given = request.headers['idempotency-key'];
      return recurringErrors.idempotencyKey(Array.isArray(given) ? given[0] : given);
    }
    const details = validationDetails(e).map((d) => ({ field: d.name, text: d.reason }));
    return p(400, 'validation-error', `Input validation failed: ${details.map((d) => `${d.field} ${d.text}`).join('; ')}`, details);
  }
  const q = toProblem(error, request);
  if (q.status >= 500) return p(500, 'internal-error', 'The emulator failed on this request; the error is in its log.');
  return p(q.status, q.status === 415 ? 'unsupported-media-type' : (ID_OF_STATUS[q.status] ?? 'operation-failed'), q.detail ?? q.title);
}

export const recurringErrorShape: ErrorShape = {
  send: (reply: FastifyReply, request: FastifyRequest, e: ApiError) =>
    sendRecurringProblem(reply, request, { status: e.status, id: ID_OF_STATUS[e.status] ?? (e.status >= 500 ? 'internal-error' : 'operation-failed'), title: e.title, detail: e.detail, ...(e.field ? { extraDetails: field(e.field, e.detail) } : {}) }),
  handler: (error, request, reply) => sendRecurringProblem(reply, request, toRecurringProblem(error, request)),
  body: { mediaType: CONTENT_TYPE, schema: RecurringErrorBody, description: 'Recurring problem (ErrorV3)' },
};
