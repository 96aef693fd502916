/**
 * eCom v2's own error shape (reference §6): a JSON array of
 * `{errorGroup, errorCode (a string), errorMessage, contextId}`. For InvalidRequest the field name
 * is the errorCode. Statuses: 400 for rule violations, 404 for an unknown orderId (35), 403 for a
 * sales unit that may not do this, 409 for "order locked" (94); see docs/decisions.md (eCom v2).
 */
import { randomUUID } from 'node:crypto';

export type ErrorGroup = 'Authentication' | 'Payment' | 'InvalidRequest' | 'VippsError' | 'User' | 'Merchant' | 'Customer';

export interface EcomError {
  status: number;
  group: ErrorGroup;
  code: string;
  message: string;
}

export class EcomErrorThrown extends Error {
  constructor(readonly error: EcomError) {
    super(error.message);
  }
}

export interface EcomErrorBody {
  errorGroup: string;
  errorCode: string;
  errorMessage: string;
  contextId: string;
}

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
  internal: () => e(500, 'VippsError', '99', 'Internal error. The emulator failed on this request; the error is in its log.'),
};
