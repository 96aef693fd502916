/**
 * eCom v2's own error shape (reference §6): a JSON array of
 * `{errorGroup, errorCode (a string), errorMessage, contextId}`. For InvalidRequest the field name
 * is the errorCode. Statuses: 400 for rule violations, 404 for an unknown orderId (35), 403 for a
 * sales unit that may not do this, 409 for "order locked" (94); see docs/decisions.md (eCom v2).
 */
import { randomUUID } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toProblem, validationDetails } from '../../platform/http-errors.js';
import { ConcurrentUpdate } from '../../platform/concurrency.js';
import { GatewayError, ProblemError } from '../../platform/problems.js';
import type { ErrorShape } from '../module.js';
import { EcomErrors, type EcomErrorBody as EcomErrorBodySchema } from './schemas.js';

export type ErrorGroup = 'Authentication' | 'Payment' | 'InvalidRequest' | 'VippsError' | 'User' | 'Merchant' | 'Customer';

export interface EcomError {
  status: number;
  group: ErrorGroup;
  code: string;
  message: string;
}

export type EcomErrorBody = Static<typeof EcomErrorBodySchema>;

export const ecomErrorBody = (errors: EcomError[]): EcomErrorBody[] =>
  errors.map((e) => ({ errorGroup: e.group, errorCode: e.code, errorMessage: e.message, contextId: randomUUID() }));

const e = (status: number, group: ErrorGroup, code: string, message: string): EcomError => ({ status, group, code, message });

export const ecomErrors = {
  invalidField: (field: string, message: string) => e(400, 'InvalidRequest', field, message),
  duplicateOrderId: (orderId: string) => e(400, 'Merchant', '34', `Duplicate Order Id. The orderId ${orderId} is already used by this merchant.`),
  orderNotFound: (orderId: string) => e(404, 'Merchant', '35', `Requested Order not found (orderId ${orderId}).`),
  skipLandingPageNotAllowed: () => e(400, 'Merchant', '38', 'Sale unit is not allowed to skip the landing page'),
  invalidMsn: (msn: string) => e(403, 'Merchant', '37', `Invalid MSN: ${msn}. Check your API keys on portal.vipps.no and see the eCom FAQ for tips.`),
  unknownUser: () => e(400, 'User', '81', 'User not registered with Vipps'),
  forceApproveUnknownUser: () => e(400, 'Customer', '81', 'Invalid phone number for test. Use a proper test number instead'),
  forceApproveNotSupported: (why: string) => e(400, 'VippsError', '91', `Transaction is not allowed: ${why}`),
  captureTooHigh: (asked: number, left: number) => e(400, 'Payment', '61', `Captured amount exceeds the reserved amount (asked ${asked}, ${left} left to capture).`),
  notReserved: () => e(400, 'Payment', '62', 'The amount is not reserved: the user has not approved the payment.'),
  captureTooLate: () => e(400, 'Payment', '96', 'Captures are allowed up to 180 days after the reservation.'),
  cannotCancelCaptured: () => e(400, 'Payment', '51', 'Cannot cancel an already captured order. Use refund instead.'),
  cancelTooLate: () => e(400, 'Payment', '52', 'Cancellation failed: a reservation can be cancelled up to 180 days after it was made.'),
  refundTooHigh: (asked: number, left: number) => e(400, 'Payment', '71', `Cannot refund more than captured (asked ${asked}, ${left} left to refund).`),
  refundReservedOnly: () => e(400, 'Payment', '72', 'Cannot refund a reserved order (only captured money can be refunded). Use cancel instead.'),
  refundCancelled: () => e(400, 'Payment', '73', 'Cannot refund a cancelled order.'),
  refundTooLate: () => e(400, 'Payment', '95', 'Refunds are allowed up to 365 days after the reservation.'),
  idempotencyConflict: (requestId: string) => e(400, 'Payment', '93', `Captured amount and request must be identical in an idempotent retry (X-Request-Id ${requestId} was used with another request).`),
  notAllowed: (why: string) => e(400, 'VippsError', '91', `Transaction is not allowed. ${why}`),
  alreadyProcessed: (why: string) => e(400, 'VippsError', '92', `Transaction already processed. ${why}`),
  orderLocked: () => e(409, 'VippsError', '94', 'Order locked and is already processing. Retry later with the same X-Request-Id.'),
  /** A test amount's card failure in the app (decision 80); the control API shows it as 402 `Payment 42`. */
  testAmountDeclined: (reason: string, message: string) => e(402, 'Payment', '42', `${reason}: ${message}`),
  internal: () => e(500, 'VippsError', '99', 'Internal error. The emulator failed on this request; the error is in its log.'),
};

// ---- rendering, as the module's error shape ----

/**
 * Error handler for eCom v2, which answers in its own shape: a JSON array of
 * `{errorGroup, errorCode, errorMessage, contextId}`; for InvalidRequest the field is the errorCode.
 * Gateway errors keep the gateway's body, as for ePayment (decision 29).
 */
export function ecomErrorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof GatewayError) return reply.code(error.statusCode).send(error.body());
  return sendEcomErrors(reply, [toEcomError(error, request)]);
}

export function sendEcomErrors(reply: FastifyReply, errors: EcomError[]): FastifyReply {
  return reply.code(errors[0]!.status).type('application/json;charset=UTF-8').send(JSON.stringify(ecomErrorBody(errors)));
}

export function toEcomError(error: FastifyError | Error, request: FastifyRequest): EcomError {
  if (error instanceof ConcurrentUpdate) return ecomErrors.orderLocked();
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

/** eCom's error shape for the module contract: faults, 404/405 and pre-routing errors come as its array too. */
export const ecomErrorShape: ErrorShape = {
  send: (reply, _request, error) =>
    sendEcomErrors(reply, [{ status: error.status, group: error.status >= 500 ? 'VippsError' : 'InvalidRequest', code: error.status >= 500 ? '99' : (error.field ?? String(error.status)), message: `${error.title}. ${error.detail}` }]),
  handler: ecomErrorHandler,
  body: { mediaType: 'application/json', schema: EcomErrors, description: 'eCom v2 error array (401: the gateway body)' },
};
