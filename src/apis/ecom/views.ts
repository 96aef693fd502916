/** Response bodies of eCom v2, exactly as documented (reference §2.2–§2.6). */
import { legacyStatus, summary, type EcomPayment, type LogEntry } from './domain.js';

/** The card the test users' single registered card is shown as (only once the user approved). */
export const PAYMENT_INSTRUMENT = 'Mastercard';
/** First six digits of the test users' card (only in /details). */
export const BANK_IDENTIFICATION_NUMBER = 492560;

const instrument = (p: EcomPayment) => (p.reservedAt ? { paymentInstrument: PAYMENT_INSTRUMENT } : {});
const fullSummary = (p: EcomPayment) =>
  summary(p) ?? { capturedAmount: p.captured, remainingAmountToCapture: 0, refundedAmount: p.refunded, remainingAmountToRefund: p.captured - p.refunded };
const last = (p: EcomPayment): LogEntry => p.log[p.log.length - 1]!;

export function captureView(p: EcomPayment) {
  const e = last(p);
  return {
    orderId: p.orderId,
    ...instrument(p),
    transactionInfo: { amount: e.amount, timeStamp: e.timeStamp, transactionText: e.transactionText, status: 'Captured', transactionId: e.transactionId },
    transactionSummary: fullSummary(p),
  };
}

export function cancelView(p: EcomPayment) {
  const e = last(p);
  return {
    orderId: p.orderId,
    ...instrument(p),
    transactionInfo: { amount: p.amount, transactionText: e.transactionText, status: 'Cancelled', transactionId: e.transactionId, timeStamp: e.timeStamp },
    transactionSummary: fullSummary(p),
  };
}

export function refundView(p: EcomPayment) {
  const e = last(p);
  return {
    orderId: p.orderId,
    // The refund response says `transaction`, not `transactionInfo` (documented).
    transaction: { amount: e.amount, transactionText: e.transactionText, status: 'Refund', transactionId: e.transactionId, timeStamp: e.timeStamp },
    transactionSummary: fullSummary(p),
  };
}

export function detailsView(p: EcomPayment) {
  const s = summary(p);
  const onlyInitiate = p.log.length === 1;
  const history = [...p.log].reverse().map((e) =>
    onlyInitiate
      ? { amount: e.amount, transactionText: e.transactionText, timeStamp: e.timeStamp, operation: e.operation, operationSuccess: e.operationSuccess }
      : { amount: e.amount, transactionText: e.transactionText, transactionId: e.transactionId, timeStamp: e.timeStamp, operation: e.operation, requestId: e.requestId, operationSuccess: e.operationSuccess },
  );
  return {
    orderId: p.orderId,
    ...(p.shipping
      ? {
          shippingDetails: {
            address: { addressLine1: p.shipping.addressLine1, ...(p.shipping.addressLine2 ? { addressLine2: p.shipping.addressLine2 } : {}), city: p.shipping.city, country: 'Norway', postCode: p.shipping.postCode },
            shippingCost: p.shipping.shippingCost,
            shippingMethod: p.shipping.shippingMethod,
            shippingMethodId: p.shipping.shippingMethodId,
          },
        }
      : {}),
    ...(s ? { transactionSummary: p.reservedAt ? { ...s, bankIdentificationNumber: BANK_IDENTIFICATION_NUMBER } : s } : {}),
    transactionLogHistory: history,
    ...(p.userDetails ? { userDetails: p.userDetails } : {}),
    ...(p.sub ? { sub: p.sub } : {}),
  };
}

export function statusView(p: EcomPayment) {
  const status = legacyStatus(p);
  const amount = status === 'CAPTURE' ? p.captured : status === 'REFUND' ? p.refunded : p.reserved || p.amount;
  return {
    orderId: p.orderId,
    transactionInfo: { amount, status, timeStamp: last(p).timeStamp, transactionId: p.transactionId },
  };
}
