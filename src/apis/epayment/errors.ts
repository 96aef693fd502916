import { problem, type Problem } from '../../platform/problems.js';

/**
 * ePayment's error catalogue: titles as the real API words them, with its numeric ErrorCode.
 * Statuses follow the documented ones; where the docs are silent, 400 for rule violations,
 * 403 for sales-unit permissions, 404 for unknown references, 409 for idempotency conflicts.
 */
export const errors = {
  missingParameter: (name: string, detail: string): Problem => ({ ...problem(400, 'Missing required parameter', detail, '4140'), extraDetails: [{ name, reason: detail }] }),
  amountInvalid: (detail: string): Problem => problem(400, 'Amount invalid', detail, '4040'),
  amountTooSmall: (min: number, currency: string): Problem => problem(400, 'Amount too small', `The amount must be at least ${min} (minor units of ${currency}).`, '6010'),
  invalidCurrency: (currency: string, msn: string): Problem => problem(400, 'Invalid currency for merchant', `The currency ${currency} is not supported for the merchant ${msn}.`, '5040'),
  currencyMismatch: (given: string, expected: string): Problem => problem(400, 'Invalid currency', `The currency ${given} does not match the payment's currency ${expected}.`, '5040'),
  invalidUrl: (url: string): Problem => problem(400, 'Invalid URL', `The parameter ${url} is invalid.`, '4090'),
  customerOneOf: (): Problem => problem(400, 'Invalid customer', 'Exactly one of customer.phoneNumber, customer.personalQr and customer.customerToken must be given.', '4070'),
  invalidPhoneNumber: (phone: string): Problem => problem(400, 'Invalid phone number', `The phone number ${phone} is not a valid MSISDN.`, '4070'),
  customerNotFound: (phone: string): Problem => problem(400, 'Customer not found', `No Vipps user with the phone number ${phone} can pay this payment.`, '7010'),
  /** minimumUserAge: the real API says only "Customer not found" (TK); the detail says why. */
  underAge: (minimum: number, age: number, phone?: string): Problem => ({
    ...problem(400, 'Customer not found', `This payment requires the payer to be at least ${minimum} years old; the Vipps user${phone ? ` ${phone}` : ''} is ${age}.`, '7010'),
    extraDetails: [{ name: 'minimumUserAge', reason: String(minimum) }, { name: 'userAge', reason: String(age) }],
  }),
  invalidScope: (scope: string): Problem => problem(400, 'Invalid scope', `The scope ${JSON.stringify(scope)} is not valid.`, '4080'),
  illegalScope: (scope: string): Problem => problem(403, 'Illegal scope', `The scope ${scope} is not permitted for this merchant.`, '5030'),
  metadataKeyTooLong: (key: string): Problem => problem(400, 'Metadata key too long', `The metadata key ${key.slice(0, 20)}… is longer than 100 characters.`, '4120'),
  metadataValueTooLong: (key: string): Problem => problem(400, 'Metadata value too long', `The metadata value of ${key} is longer than 500 characters.`, '4130'),
  cardRequiresWebRedirect: (): Problem => problem(400, 'Invalid payment method', 'paymentMethod CARD can only be used with userFlow WEB_REDIRECT.', '5070'),
  receiptRequiresWallet: (): Problem => problem(400, 'Invalid payment method', 'A receipt can only be given with paymentMethod WALLET.', '5070'),
  skipLandingPageNotAllowed: (): Problem => problem(403, 'Skip landing page not allowed', 'The merchant is not allowed to use userFlow PUSH_MESSAGE.', '5080'),
  qrFormatNotAllowed: (): Problem => problem(400, 'Invalid qrFormat', 'qrFormat can only be given with userFlow QR.', '4140'),
  expiresAtNotAllowed: (): Problem => problem(400, 'ExpiresAt not allowed', 'expiresAt can only be given with userFlow PUSH_MESSAGE or QR and paymentMethod WALLET.', '6130'),
  longLivingNotAllowed: (): Problem => problem(403, 'Long-living payment not allowed', 'The merchant is not allowed to create long-living payments.', '5050'),
  longLivingRequiresReceipt: (): Problem => problem(400, 'Long-living payments require a receipt', 'expiresAt requires receipt.', '6120'),
  expirationInvalid: (): Problem => problem(400, 'Expiration date invalid', 'expiresAt must be more than 10 minutes and less than 28 days in the future.', '6110'),
  referenceExists: (reference: string): Problem => problem(409, `Idempotency error: Reference ${reference} already exists`, `A payment with the reference ${reference} already exists for this merchant.`, '4150'),
  idempotencyConflict: (key: string, operation: string): Problem => {
    const title = operation === 'capture' ? 'Capture idempotency conflict' : operation === 'refund' ? 'Refund idempotency conflict' : `Idempotency error: Idempotency-Key ${key} already exists`;
    const code = operation === 'capture' ? '4010' : operation === 'refund' ? '4150' : '4020';
    return problem(409, title, `The Idempotency-Key ${key} was already used with a different request body.`, code);
  },
  orderProcessing: (): Problem => problem(423, 'Order processing', 'Another operation on this payment is in progress; retry with the same Idempotency-Key.', '6160'),
  referenceNotFound: (reference: string, msn: string): Problem => problem(404, 'Reference not found', `The reference ${reference} does not exist for MSN ${msn}.`, '5090'),
  alreadyReserved: (): Problem => problem(400, 'Payment is already reserved', 'The payment has already been authorized.', '6230'),
  paymentExpired: (): Problem => problem(400, 'Payment expired', 'The payment has expired.', '5070'),
  notExpired: (): Problem => problem(400, 'Payment cannot be expired', 'The payment is not due to expire.', '5070'),
  cannotApprove: (state: string): Problem => problem(400, 'Approve failed', `A payment in state ${state} cannot be approved.`, '10010'),
  cannotReject: (state: string): Problem => problem(400, 'Payment cannot be rejected', `A payment in state ${state} cannot be rejected.`, '5070'),
  cannotCancel: (state: string): Problem => problem(400, 'Payment cannot be cancelled', `A payment in state ${state} cannot be cancelled.`, '6190'),
  cannotCancelAuthorized: (): Problem => problem(400, 'Cannot cancel authorized payment', 'cancelTransactionOnly was set and the payment is already authorized.', '6060'),
  cannotCancelCaptured: (): Problem => problem(400, 'Cannot cancel a captured payment', 'The whole authorized amount has been captured; nothing is left to cancel.', '6040'),
  cancelPeriodExpired: (): Problem => problem(400, 'Cancel period expired', 'A payment can be cancelled up to 180 days after authorization.', '6030'),
  captureBeforeReservation: (): Problem => problem(400, 'Cannot capture before reservation', 'The amount you tried to capture is not reserved. The user has not approved the payment.', '6080'),
  cannotCapture: (state: string): Problem => problem(400, 'Payment cannot be captured', `A payment in state ${state} cannot be captured.`, '6200'),
  cannotCaptureCancelled: (): Problem => problem(400, 'Cannot capture a cancelled payment', 'The uncaptured remainder of this payment was cancelled.', '6070'),
  capturePeriodExpired: (): Problem => problem(400, 'Capture period expired', 'A payment can be captured up to 180 days after authorization.', '6100'),
  captureTooHigh: (asked: number, left: number): Problem => problem(400, 'Capture amount too high', `Tried to capture ${asked}, but only ${left} is left to capture.`, '6090'),
  refundBeforeReservation: (): Problem => problem(400, 'Attempted refund before reservation', 'The payment has not been authorized, so nothing can be refunded.', '6020'),
  cannotRefund: (state: string): Problem => problem(400, 'Payment cannot be refunded', `A payment in state ${state} cannot be refunded.`, '6210'),
  refundPeriodExpired: (): Problem => problem(400, 'Refund period expired', 'A payment can be refunded up to 365 days after authorization.', '6220'),
  alreadyRefunded: (): Problem => problem(400, 'Payment already refunded', 'The whole captured amount has already been refunded.', '6180'),
  notEnoughRefundable: (asked: number, left: number): Problem => problem(400, 'Not enough refundable', `Tried to refund ${asked}, but only ${left} of the captured amount is left to refund.`, '6150'),
};
