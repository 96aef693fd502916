/**
 * eCom v2 over a real port, with a real local merchant server receiving the callbacks and
 * answering shipping details: the documented flows, responses, callbacks and errors.
 */
import { MerchantCaller } from '../../../src/apis/ecom/callbacks.js';
import { ecomStore } from '../../../src/apis/ecom/store.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestEmulator, type ApiResponse, type TestEmulator } from '../../helpers/emulator.js';
import { startMerchant } from '../../helpers/merchant.js';
import { startReceiver } from '../../helpers/receiver.js';

let em: TestEmulator;
let merchant: Awaited<ReturnType<typeof startMerchant>>;
const AUTH = 'Basic c2hvcDpzZWNyZXQ=';

beforeAll(async () => {
  em = await startTestEmulator();
  merchant = await startMerchant();
});
afterAll(async () => {
  await em?.close();
  await merchant?.close();
});
beforeEach(() => {
  merchant.received.length = 0;
});

const newOrderId = () => `acme-shop-${randomUUID().slice(0, 12)}`;

function initiateBody(orderId: string, o: { merchantInfo?: Record<string, unknown>; transaction?: Record<string, unknown>; customerInfo?: Record<string, unknown> } = {}) {
  return {
    customerInfo: o.customerInfo ?? {},
    merchantInfo: {
      merchantSerialNumber: em.merchant.msn,
      callbackPrefix: `${merchant.base}/vipps/callbacks`,
      fallBack: `http://127.0.0.1:9/shop/fallback/${orderId}`,
      authToken: AUTH,
      ...o.merchantInfo,
    },
    transaction: { orderId, amount: 20000, transactionText: 'One pair of Vipps socks', ...o.transaction },
  };
}

async function initiate(o: Parameters<typeof initiateBody>[1] = {}, orderId = newOrderId()) {
  const res = await em.call('POST', '/ecomm/v2/payments', { body: initiateBody(orderId, o) });
  return { orderId, res };
}

const token = (url: string) => url.split('=', 3)[2]!;
const actionBody = (amount: number | null | undefined, text = 'Delivered') => ({
  merchantInfo: { merchantSerialNumber: em.merchant.msn },
  transaction: { ...(amount === undefined ? {} : { amount }), transactionText: text },
});
const capture = (orderId: string, amount?: number | null, requestId = randomUUID().slice(0, 30)) =>
  em.call('POST', `/ecomm/v2/payments/${orderId}/capture`, { body: actionBody(amount), headers: { 'x-request-id': requestId } });
const refund = (orderId: string, amount?: number, requestId = randomUUID().slice(0, 30)) =>
  em.call('POST', `/ecomm/v2/payments/${orderId}/refund`, { body: actionBody(amount, 'Refund'), headers: { 'x-request-id': requestId } });
const cancel = (orderId: string, release?: boolean) =>
  em.call('PUT', `/ecomm/v2/payments/${orderId}/cancel`, {
    body: { merchantInfo: { merchantSerialNumber: em.merchant.msn }, transaction: { transactionText: 'No socks for you' }, ...(release === undefined ? {} : { shouldReleaseRemainingFunds: release }) },
  });
const details = (orderId: string) => em.call('GET', `/ecomm/v2/payments/${orderId}/details`);
const forceApprove = (orderId: string, url: string, phone = '97777776') =>
  em.call('POST', `/ecomm/v2/integration-test/payments/${orderId}/approve`, { body: { customerPhoneNumber: phone, token: token(url) } });
const control = (path: string, body: unknown = {}) => em.call('POST', `/devkit/v1/ecom${path}`, { body });
/** Polls the delivery log of an order until its first callback is settled as `status`; returns that log. */
async function deliveriesWhenFirst(on: TestEmulator, orderId: string, status: string, timeout = 5_000): Promise<ApiResponse> {
  let log: ApiResponse | undefined;
  await expect
    .poll(async () => (log = await on.call('GET', `/devkit/v1/deliveries?reference=${orderId}`)).body.deliveries[0]?.status, { timeout, interval: 50 })
    .toBe(status);
  return log!;
}

function expectError(res: ApiResponse, status: number, group: string, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(Array.isArray(res.body), res.text).toBe(true);
  expect(res.body[0]).toMatchObject({ errorGroup: group, errorCode: code });
  expect(res.body[0].errorMessage).toEqual(expect.any(String));
  expect(res.body[0].contextId).toMatch(/^[0-9a-f-]{36}$/);
}

describe('eCom v2: regular payment', () => {
  it('initiate → force approve → RESERVED callback → partial captures → partial refund, with the log and summary as documented', async () => {
    const { orderId, res } = await initiate();
    expect(res.status, res.text).toBe(200);
    expect(res.body.orderId).toBe(orderId);
    expect(res.body.url).toMatch(new RegExp(`^${em.url}/dwo-api-application/v1/deeplink/vippsgateway\\?v=2&token=eyJ[A-Za-z0-9_-]+$`));

    // Only INITIATE: no transactionSummary, and the entry has neither transactionId nor requestId (MT output).
    const first = await details(orderId);
    expect(first.status).toBe(200);
    expect(first.body.transactionSummary).toBeUndefined();
    expect(first.body.transactionLogHistory).toEqual([{ amount: 20000, transactionText: 'One pair of Vipps socks', timeStamp: expect.any(String), operation: 'INITIATE', operationSuccess: true }]);

    const approved = await forceApprove(orderId, res.body.url);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.text).toBe('');

    await merchant.until(() => merchant.callbacks(orderId).length === 1);
    const cb = merchant.callbacks(orderId)[0]!;
    expect(cb.path).toBe(`/vipps/callbacks/v2/payments/${orderId}`);
    expect(cb.headers.authorization).toBe(AUTH);
    expect(cb.json).toEqual({ merchantSerialNumber: em.merchant.msn, orderId, transactionInfo: { amount: 20000, status: 'RESERVED', timeStamp: expect.any(String), transactionId: expect.stringMatching(/^\d{10,}$/) } });
    // Sent from the active request server (a loopback address of its own), as logged (the log is
    // written just after the merchant answered).
    const log = await deliveriesWhenFirst(em, orderId, 'delivered');
    expect(log.body.attempts).toHaveLength(1);
    expect(log.body.attempts[0]).toMatchObject({ eventType: 'ecom.callback.RESERVED', response: { status: 200 }, request: { url: `${merchant.base}/vipps/callbacks/v2/payments/${orderId}` } });
    expect(log.body.attempts[0].source.address).toBe(cb.remoteAddress);
    expect(log.body.attempts[0].request.headers['x-vipps-authorization']).toBeUndefined();

    const c1 = await capture(orderId, 5000, 'cap-1');
    expect(c1.status, c1.text).toBe(200);
    expect(c1.body).toEqual({
      orderId,
      paymentInstrument: 'Mastercard',
      transactionInfo: { amount: 5000, timeStamp: expect.any(String), transactionText: 'Delivered', status: 'Captured', transactionId: expect.stringMatching(/^\d{10}$/) },
      transactionSummary: { capturedAmount: 5000, remainingAmountToCapture: 15000, refundedAmount: 0, remainingAmountToRefund: 5000 },
    });
    // Amount left out = the whole remaining amount.
    const c2 = await em.call('POST', `/ecomm/v2/payments/${orderId}/capture`, { body: actionBody(undefined) });
    expect(c2.body.transactionSummary).toEqual({ capturedAmount: 20000, remainingAmountToCapture: 0, refundedAmount: 0, remainingAmountToRefund: 20000 });
    const r1 = await refund(orderId, 3000, 'ref-1');
    expect(r1.status, r1.text).toBe(200);
    expect(r1.body.transaction).toMatchObject({ amount: 3000, status: 'Refund', transactionText: 'Refund' });
    expect(r1.body.transactionInfo).toBeUndefined();
    expect(r1.body.transactionSummary).toEqual({ capturedAmount: 20000, remainingAmountToCapture: 0, refundedAmount: 3000, remainingAmountToRefund: 17000 });

    const full = await details(orderId);
    const ops = full.body.transactionLogHistory.map((e: any) => e.operation);
    expect(ops).toEqual(['REFUND', 'CAPTURE', 'CAPTURE', 'RESERVE', 'INITIATE']);
    const [ref, cap2, cap1, reserve, init] = full.body.transactionLogHistory;
    expect(ref.requestId).toBe('ref-1');
    expect(cap1.requestId).toBe('cap-1');
    expect(cap2.requestId).toBe('');
    expect(reserve.requestId).toBe('');
    expect(init.transactionId).toBe(reserve.transactionId);
    expect(reserve.transactionId).toBe(cb.json.transactionInfo.transactionId);
    expect(new Set([ref.transactionId, cap1.transactionId, cap2.transactionId, reserve.transactionId]).size).toBe(4);
    expect(full.body.transactionSummary).toEqual({ capturedAmount: 20000, remainingAmountToCapture: 0, refundedAmount: 3000, remainingAmountToRefund: 17000, bankIdentificationNumber: 492560 });

    const status = await em.call('GET', `/ecomm/v2/payments/${orderId}/status`);
    expect(status.body).toEqual({ orderId, transactionInfo: { amount: 3000, status: 'REFUND', timeStamp: expect.any(String), transactionId: reserve.transactionId } });
  });

  it('serves the WooCommerce spelling Ecomm/v2 too', async () => {
    const { orderId } = await initiate();
    const res = await em.call('GET', `/Ecomm/v2/payments/${orderId}/details`);
    expect(res.status).toBe(200);
    expect(res.body.orderId).toBe(orderId);
  });

  it('isApp gives a vippsMT:// deeplink and skips fallBack validation', async () => {
    const { res } = await initiate({ merchantInfo: { isApp: true, fallBack: 'not a url at all' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.url).toMatch(/^vippsMT:\/\/\?token=eyJ/);
  });

  it('user rejects in the app → CANCELLED callback with transactionId, CANCEL in the log', async () => {
    const { orderId } = await initiate();
    const r = await control(`/payments/${orderId}/reject`, { phoneNumber: '4797777776' });
    expect(r.status, r.text).toBe(200);
    await merchant.until(() => merchant.callbacks(orderId).length === 1);
    expect(merchant.callbacks(orderId)[0]!.json.transactionInfo).toMatchObject({ status: 'CANCELLED', transactionId: expect.any(String) });
    expect(merchant.callbacks(orderId)[0]!.json.errorInfo).toBeUndefined();
    const d = await details(orderId);
    expect(d.body.transactionLogHistory[0].operation).toBe('CANCEL');
  });

  it('cancel on the landing page → REJECTED callback without transactionId, errorInfo 45', async () => {
    const { orderId } = await initiate();
    expect((await control(`/payments/${orderId}/landing-cancel`)).status).toBe(200);
    await merchant.until(() => merchant.callbacks(orderId).length === 1);
    const body = merchant.callbacks(orderId)[0]!.json;
    expect(body.transactionInfo.status).toBe('REJECTED');
    expect(body.transactionInfo.transactionId).toBeUndefined();
    expect(body.errorInfo).toEqual({ errorCode: '45', errorGroup: 'PAYMENTS', errorMessage: 'User has not acted upon the payment' });
  });

  it('times out after 5 minutes (clock) → REJECTED callback with errorInfo 45; status REJECTED', async () => {
    const { orderId } = await initiate();
    const adv = await em.call('POST', '/devkit/v1/clock/advance', { body: { duration: '4m' } });
    expect(adv.status, adv.text).toBe(200);
    expect((await em.call('GET', `/ecomm/v2/payments/${orderId}/status`)).body.transactionInfo.status).toBe('INITIATE');
    await em.call('POST', '/devkit/v1/clock/advance', { body: { duration: '61s' } });
    await merchant.until(() => merchant.callbacks(orderId).length === 1);
    const body = merchant.callbacks(orderId)[0]!.json;
    expect(body.transactionInfo).toMatchObject({ status: 'REJECTED', amount: 20000, transactionId: expect.any(String) });
    expect(body.errorInfo).toEqual({ errorCode: '45', errorGroup: 'PAYMENTS', errorMessage: 'User has cancelled or not acted upon the payment' });
    expect((await em.call('GET', `/ecomm/v2/payments/${orderId}/status`)).body.transactionInfo.status).toBe('REJECTED');
    expectError(await capture(orderId, 100), 400, 'VippsError', '91');
  });

  it('a test amount fails in the app: logged as an unsuccessful RESERVE, no callback, the user may retry', async () => {
    const { orderId, res } = await initiate({ transaction: { amount: 151 } });
    const r = await control(`/payments/${orderId}/approve`, { phoneNumber: '97777776' });
    expect(r.status, r.text).toBe(402);
    expect(r.body.title).toBe('Payment 42');
    const d = await details(orderId);
    expect(d.body.transactionLogHistory[0]).toMatchObject({ operation: 'RESERVE', operationSuccess: false, amount: 151 });
    // Force approve ignores test amounts.
    const url = (await em.call('GET', `/ecomm/v2/payments/${orderId}/status`)).status === 200;
    expect(url).toBe(true);
    // A callback is written in the same transaction as the change that owes it: none was.
    expect((await em.call('GET', `/devkit/v1/deliveries?reference=${orderId}`)).body.deliveries).toEqual([]);
    expect(merchant.callbacks(orderId)).toHaveLength(0);
    // The retry's RESERVED callback, which one order's callbacks would follow, is the first and only one.
    expect((await forceApprove(orderId, res.body.url)).status).toBe(200);
    await merchant.until(() => merchant.callbacks(orderId).length > 0);
    expect(merchant.callbacks(orderId).map((c) => c.json.transactionInfo.status)).toEqual(['RESERVED']);
    expect((await deliveriesWhenFirst(em, orderId, 'delivered')).body.deliveries).toHaveLength(1);
  });
});

describe('eCom v2: capture, cancel and refund rules', () => {
  async function reserved(amount = 20000) {
    const { orderId, res } = await initiate({ transaction: { amount } });
    expect((await forceApprove(orderId, res.body.url)).status).toBe(200);
    return orderId;
  }

  it('capture before approval is 62; capture above the reserved amount is 61', async () => {
    const { orderId } = await initiate();
    expectError(await capture(orderId, 1000), 400, 'Payment', '62');
    const id = await reserved();
    expectError(await capture(id, 20001), 400, 'Payment', '61');
    expect((await capture(id, 20000)).status).toBe(200);
    expectError(await capture(id, 100), 400, 'Payment', '61');
  });

  it('refund of a reserved-only order is 72, of a cancelled one 73, above the captured amount 71', async () => {
    const id = await reserved();
    expectError(await refund(id, 1000), 400, 'Payment', '72');
    expect((await capture(id, 5000)).status).toBe(200);
    expectError(await refund(id, 5001), 400, 'Payment', '71');
    expect((await refund(id, 5000)).status).toBe(200);
    expectError(await refund(id, 100), 400, 'Payment', '71');
    const { orderId } = await initiate();
    expect((await cancel(orderId)).status).toBe(200);
    expectError(await refund(orderId, 100), 400, 'Payment', '73');
  });

  it('a refund without an amount refunds what is left of the captured amount (as the official collection sends it)', async () => {
    const id = await reserved();
    expect((await capture(id, 15000)).status).toBe(200);
    expect((await refund(id, 4000)).status).toBe(200);
    const rest = await em.call('POST', `/ecomm/v2/payments/${id}/refund`, { body: actionBody(undefined, 'Refund') });
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body.transaction).toMatchObject({ amount: 11000, status: 'Refund' });
    expect(rest.body.transactionSummary).toMatchObject({ capturedAmount: 15000, refundedAmount: 15000, remainingAmountToRefund: 0 });
    expectError(await em.call('POST', `/ecomm/v2/payments/${id}/refund`, { body: actionBody(null, 'Refund') }), 400, 'VippsError', '92');
  });

  it('cancel of an initiated payment is CANCEL; of a reserved one VOID; capture afterwards is VippsError 91', async () => {
    const { orderId } = await initiate();
    const c = await cancel(orderId);
    expect(c.status, c.text).toBe(200);
    expect(c.body).toMatchObject({ orderId, transactionInfo: { amount: 20000, status: 'Cancelled', transactionText: 'No socks for you' } });
    expect(c.body.paymentInstrument).toBeUndefined();
    expect((await details(orderId)).body.transactionLogHistory.map((e: any) => e.operation)).toEqual(['CANCEL', 'INITIATE']);
    expectError(await capture(orderId, 100), 400, 'VippsError', '91');

    const id = await reserved();
    const v = await cancel(id);
    expect(v.status).toBe(200);
    expect(v.body.transactionSummary).toEqual({ capturedAmount: 0, remainingAmountToCapture: 0, refundedAmount: 0, remainingAmountToRefund: 0 });
    expect((await details(id)).body.transactionLogHistory[0].operation).toBe('VOID');
    expectError(await capture(id, 100), 400, 'VippsError', '91');
    expectError(await cancel(id), 400, 'VippsError', '92');
  });

  it('cancel after a partial capture: 51 without shouldReleaseRemainingFunds; with it the rest is released', async () => {
    const id = await reserved();
    expect((await capture(id, 10000)).status).toBe(200);
    expectError(await cancel(id), 400, 'Payment', '51');
    expectError(await cancel(id, false), 400, 'Payment', '51');
    const c = await cancel(id, true);
    expect(c.status, c.text).toBe(200);
    expect(c.body.transactionSummary).toEqual({ capturedAmount: 10000, remainingAmountToCapture: 0, refundedAmount: 0, remainingAmountToRefund: 10000 });
    expectError(await capture(id, 100), 400, 'VippsError', '91');
    expect((await refund(id, 10000)).status).toBe(200);
  });

  it('cancel of a fully captured order is 51 (use refund)', async () => {
    const id = await reserved();
    expect((await capture(id, null)).status).toBe(200);
    expectError(await cancel(id, true), 400, 'Payment', '51');
  });

  it('captures are refused 180 days after the reservation (96), refunds 365 days after (95)', async () => {
    const id = await reserved();
    expect((await capture(id, 100)).status).toBe(200);
    // Tokens live 1 hour: a fresh one after each jump (the shared emulator's clock is left alone).
    const own = em.ctx.clock;
    const withFreshToken = async () => ({ authorization: `Bearer ${await em.fetchToken()}` });
    await own.advance(181 * 86_400_000);
    try {
      let h = await withFreshToken();
      expectError(await em.call('POST', `/ecomm/v2/payments/${id}/capture`, { body: actionBody(100), headers: h }), 400, 'Payment', '96');
      expect((await em.call('POST', `/ecomm/v2/payments/${id}/refund`, { body: actionBody(100), headers: h })).status).toBe(200);
      await own.advance(185 * 86_400_000);
      h = await withFreshToken();
      expectError(await em.call('POST', `/ecomm/v2/payments/${id}/refund`, { body: actionBody(100), headers: h }), 400, 'Payment', '95');
    } finally {
      // Later tests use the token fetched at start: go back to the start of time.
      own.reset();
    }
  });

  it('direct capture: SALE callback and log, everything captured at once, refund only', async () => {
    const set = await em.call('PUT', `/devkit/v1/ecom/merchants/${em.merchant.msn}/settings`, { body: { directCapture: true } });
    expect(set.status, set.text).toBe(200);
    try {
      const { orderId, res } = await initiate();
      expect((await forceApprove(orderId, res.body.url)).status).toBe(200);
      await merchant.until(() => merchant.callbacks(orderId).length === 1);
      expect(merchant.callbacks(orderId)[0]!.json.transactionInfo.status).toBe('SALE');
      const d = await details(orderId);
      expect(d.body.transactionLogHistory.map((e: any) => e.operation)).toEqual(['SALE', 'INITIATE']);
      expect(d.body.transactionSummary).toMatchObject({ capturedAmount: 20000, remainingAmountToCapture: 0, remainingAmountToRefund: 20000 });
      expectError(await capture(orderId, 100), 400, 'Payment', '61');
      expectError(await cancel(orderId), 400, 'Payment', '51');
      expect((await refund(orderId, 20000)).body.transactionSummary.remainingAmountToRefund).toBe(0);
      expect((await em.call('GET', `/ecomm/v2/payments/${orderId}/status`)).body.transactionInfo.status).toBe('REFUND');
    } finally {
      await em.call('PUT', `/devkit/v1/ecom/merchants/${em.merchant.msn}/settings`, { body: { directCapture: false } });
    }
  });
});

describe('eCom v2: X-Request-Id idempotency', () => {
  it('a retry with the same X-Request-Id and body captures once and answers the same; another body is 93', async () => {
    const { orderId, res } = await initiate();
    await forceApprove(orderId, res.body.url);
    const a = await capture(orderId, 5000, 'same-key');
    const b = await capture(orderId, 5000, 'same-key');
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect((await details(orderId)).body.transactionSummary.capturedAmount).toBe(5000);
    expectError(await capture(orderId, 6000, 'same-key'), 400, 'Payment', '93');
    // The same key on another endpoint is another operation.
    expect((await refund(orderId, 1000, 'same-key')).status).toBe(200);
    const r2 = await refund(orderId, 1000, 'same-key');
    expect(r2.body.transactionSummary.refundedAmount).toBe(1000);
  });

  it('an error is replayed too, and X-Request-Id longer than 40 characters is refused', async () => {
    const { orderId } = await initiate();
    expectError(await capture(orderId, 100, 'early'), 400, 'Payment', '62');
    expectError(await capture(orderId, 100, 'early'), 400, 'Payment', '62');
    expectError(await capture(orderId, 100, 'x'.repeat(41)), 400, 'InvalidRequest', 'X-Request-Id');
  });
});

describe('eCom v2: validation errors', () => {
  const cases: Array<[string, Parameters<typeof initiateBody>[1] | 'raw', number, string, string]> = [
    ['orderId with a forbidden character', { transaction: { orderId: 'order_1' } }, 400, 'InvalidRequest', 'transaction.orderId'],
    ['orderId longer than 50', { transaction: { orderId: 'a'.repeat(51) } }, 400, 'InvalidRequest', 'transaction.orderId'],
    ['amount below 100 øre', { transaction: { amount: 99 } }, 400, 'InvalidRequest', 'transaction.amount'],
    ['amount as a string', { transaction: { amount: '20000' } }, 400, 'InvalidRequest', 'transaction.amount'],
    ['amount with decimals', { transaction: { amount: 100.5 } }, 400, 'InvalidRequest', 'transaction.amount'],
    ['transactionText over 100 characters', { transaction: { transactionText: 'x'.repeat(101) } }, 400, 'InvalidRequest', 'transaction.transactionText'],
    ['MSN as a number', { merchantInfo: { merchantSerialNumber: 123456 } }, 400, 'InvalidRequest', 'merchantInfo.merchantSerialNumber'],
    ['fallback in the wrong case', { merchantInfo: { fallBack: undefined, fallback: 'https://shop.example/fb' } }, 400, 'InvalidRequest', 'merchantInfo.fallBack'],
    ['plain http callbackPrefix', { merchantInfo: { callbackPrefix: 'http://shop.example/cb' } }, 400, 'InvalidRequest', 'merchantInfo.callbackPrefix'],
    ['plain http fallBack', { merchantInfo: { fallBack: 'http://shop.example/fb' } }, 400, 'InvalidRequest', 'merchantInfo.fallBack'],
    ['unknown paymentType', { merchantInfo: { paymentType: 'ecomm express payment' } }, 400, 'InvalidRequest', 'merchantInfo.paymentType'],
    ['express without consentRemovalPrefix', { merchantInfo: { paymentType: 'eComm Express Payment', shippingDetailsPrefix: 'https://shop.example/shipping' } }, 400, 'InvalidRequest', 'merchantInfo.consentRemovalPrefix'],
    ['another merchant\'s MSN in the body', { merchantInfo: { merchantSerialNumber: '654321' } }, 403, 'Merchant', '37'],
    ['a mobile number that is no Vipps user', { customerInfo: { mobileNumber: '12345678' } }, 400, 'User', '81'],
    ['a mobile number that cannot be repaired', { customerInfo: { mobileNumber: '1234' } }, 400, 'User', '81'],
    ['staticShippingDetails with isDefault other than Y/N', { merchantInfo: { paymentType: 'eComm Express Payment', consentRemovalPrefix: 'https://shop.example/c', staticShippingDetails: [{ isDefault: 'yes', shippingCost: 10, shippingMethod: 'A', shippingMethodId: 'a' }] } }, 400, 'InvalidRequest', 'merchantInfo.staticShippingDetails.0.isDefault'],
    ['a negative shippingCost', { merchantInfo: { paymentType: 'eComm Express Payment', consentRemovalPrefix: 'https://shop.example/c', staticShippingDetails: [{ isDefault: 'Y', shippingCost: -1, shippingMethod: 'A', shippingMethodId: 'a' }] } }, 400, 'InvalidRequest', 'merchantInfo.staticShippingDetails.0.shippingCost'],
    ['express with neither shippingDetailsPrefix nor static shipping', { merchantInfo: { paymentType: 'eComm Express Payment', consentRemovalPrefix: 'https://shop.example/c' } }, 400, 'InvalidRequest', 'merchantInfo.shippingDetailsPrefix'],
    ['an unknown scope', { transaction: { scope: 'name shoeSize' } }, 400, 'InvalidRequest', 'transaction.scope'],
    ['airline data with a 4-letter airlineCode', { transaction: { additionalData: { passengerName: 'FLYER / MARY MS.', airlineCode: '0744', airlineDesignatorCode: 'KL', agencyInvoiceNumber: '123456' } } }, 400, 'InvalidRequest', 'transaction.additionalData.airlineCode'],
    ['authToken over 255 characters', { merchantInfo: { authToken: 'x'.repeat(256) } }, 400, 'InvalidRequest', 'merchantInfo.authToken'],
    ['callbackPrefix over 255 characters', { merchantInfo: { callbackPrefix: `https://shop.example/${'x'.repeat(240)}` } }, 400, 'InvalidRequest', 'merchantInfo.callbackPrefix'],
    ['skipLandingPage without a mobileNumber', { transaction: { skipLandingPage: true } }, 400, 'InvalidRequest', 'customerInfo.mobileNumber'],
  ];
  for (const [name, overrides, status, group, code] of cases) {
    it(`initiate: ${name} → ${status} ${group}/${code}`, async () => {
      const body = initiateBody(newOrderId(), overrides as Parameters<typeof initiateBody>[1]);
      expectError(await em.call('POST', '/ecomm/v2/payments', { body: JSON.parse(JSON.stringify(body)) }), status, group, code);
    });
  }

  it('skipLandingPage for a sales unit that is not whitelisted is Merchant/38', async () => {
    const other = await em.call('POST', '/devkit/v1/merchants', { body: { allowSkipLandingPage: false } });
    expect(other.status, other.text).toBe(201);
    const otherToken = await em.fetchToken({ ...other.body });
    const body = initiateBody(newOrderId(), { customerInfo: { mobileNumber: '97777776' }, transaction: { skipLandingPage: true }, merchantInfo: { merchantSerialNumber: other.body.msn } });
    const res = await em.call('POST', '/ecomm/v2/payments', {
      body,
      headers: { authorization: `Bearer ${otherToken}`, 'ocp-apim-subscription-key': other.body.subscriptionKey, 'merchant-serial-number': other.body.msn },
    });
    expectError(res, 400, 'Merchant', '38');
  });

  it('skipLandingPage (whitelisted): the push goes straight to the user\'s app', async () => {
    const { orderId, res } = await initiate({ customerInfo: { mobileNumber: '97777776' }, transaction: { skipLandingPage: true } });
    expect(res.status, res.text).toBe(200);
    const inbox = await em.ctx.database.db.selectFrom('app_requests').selectAll().where('reference', '=', `ecom/${orderId}`).execute();
    expect(inbox).toEqual([expect.objectContaining({ phone_number: '4797777776', via: 'PUSH_MESSAGE', msn: em.merchant.msn })]);
    // Force approve does not support skipLandingPage.
    expectError(await forceApprove(orderId, res.body.url), 400, 'VippsError', '91');
  });

  it('Vipps-System-* headers are at most 30 characters', async () => {
    const res = await em.call('POST', '/ecomm/v2/payments', { body: initiateBody(newOrderId()), headers: { 'vipps-system-plugin-name': 'p'.repeat(31) } });
    expectError(res, 400, 'InvalidRequest', 'Vipps-System-Plugin-Name');
    const ok = await em.call('POST', '/ecomm/v2/payments', { body: initiateBody(newOrderId()), headers: { 'vipps-system-name': 'woocommerce', 'x-timestamp': 'ignored' } });
    expect(ok.status, ok.text).toBe(200);
  });

  it('a repaired mobile number (+47 and spaces) is accepted', async () => {
    const { res } = await initiate({ customerInfo: { mobileNumber: '+47 977 77 776' } });
    expect(res.status, res.text).toBe(200);
  });

  it('a missing top-level key, invalid JSON and no body are InvalidRequest', async () => {
    const body: any = initiateBody(newOrderId());
    delete body.customerInfo;
    expectError(await em.call('POST', '/ecomm/v2/payments', { body }), 400, 'InvalidRequest', 'customerInfo');
    expectError(await em.call('POST', '/ecomm/v2/payments', { rawBody: '{"merchantInfo":' }), 400, 'InvalidRequest', 'body');
    expectError(await em.call('POST', '/ecomm/v2/payments', { rawBody: '' }), 400, 'InvalidRequest', 'body');
  });

  it('a reused orderId is Merchant/34 (initiate is not idempotent)', async () => {
    const { orderId } = await initiate();
    expectError((await initiate({}, orderId)).res, 400, 'Merchant', '34');
  });

  it('an unknown orderId is Merchant/35 (404) on every orderId endpoint', async () => {
    const id = newOrderId();
    expectError(await details(id), 404, 'Merchant', '35');
    expectError(await em.call('GET', `/ecomm/v2/payments/${id}/status`), 404, 'Merchant', '35');
    expectError(await capture(id, 100), 404, 'Merchant', '35');
    expectError(await refund(id, 100), 404, 'Merchant', '35');
    expectError(await cancel(id), 404, 'Merchant', '35');
    expectError(await em.call('POST', `/ecomm/v2/integration-test/payments/${id}/approve`, { body: {} }), 404, 'Merchant', '35');
  });

  it('another merchant\'s orderId is unknown (35)', async () => {
    const other = await em.call('POST', '/devkit/v1/merchants', { body: {} });
    expect(other.status, other.text).toBe(201);
    const { orderId } = await initiate();
    const otherToken = await em.fetchToken({ ...other.body, allowSkipLandingPage: false, allowLongLiving: false });
    const res = await em.call('GET', `/ecomm/v2/payments/${orderId}/details`, {
      headers: { authorization: `Bearer ${otherToken}`, 'ocp-apim-subscription-key': other.body.subscriptionKey, 'merchant-serial-number': other.body.msn },
    });
    expectError(res, 404, 'Merchant', '35');
  });

  it('capture and cancel bodies: transactionText required, amount must be an integer', async () => {
    const { orderId } = await initiate();
    expectError(await em.call('POST', `/ecomm/v2/payments/${orderId}/capture`, { body: { merchantInfo: { merchantSerialNumber: em.merchant.msn }, transaction: { amount: 100 } } }), 400, 'InvalidRequest', 'transaction.transactionText');
    expectError(await em.call('POST', `/ecomm/v2/payments/${orderId}/capture`, { body: actionBody('100' as unknown as number) }), 400, 'InvalidRequest', 'transaction.amount');
    expectError(await em.call('PUT', `/ecomm/v2/payments/${orderId}/cancel`, { body: { merchantInfo: { merchantSerialNumber: em.merchant.msn } } }), 400, 'InvalidRequest', 'transaction');
    // A refund without an amount refunds what is left of the captured amount (Official clients):
    // this order has nothing captured, so the order's state refuses it, not the body.
    expectError(await em.call('POST', `/ecomm/v2/payments/${orderId}/refund`, { body: actionBody(undefined) }), 400, 'Payment', '72');
    expectError(await em.call('POST', `/ecomm/v2/payments/${orderId}/refund`, { body: actionBody(99) }), 400, 'InvalidRequest', 'transaction.amount');
  });

  it('force approve: wrong token, a number that is no test user (Customer/81), express (91)', async () => {
    const { orderId, res } = await initiate();
    expectError(await em.call('POST', `/ecomm/v2/integration-test/payments/${orderId}/approve`, { body: { customerPhoneNumber: '97777776', token: 'eyJnope' } }), 400, 'InvalidRequest', 'token');
    expectError(await forceApprove(orderId, res.body.url, '12345678'), 400, 'Customer', '81');
    const express = await initiate({ merchantInfo: expressInfo() });
    expectError(await forceApprove(express.orderId, express.res.body.url), 400, 'VippsError', '91');
  });

  it('the gateway answers 401 in its own shape', async () => {
    const none = await em.call('GET', `/ecomm/v2/payments/${newOrderId()}/details`, { anonymous: true });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ statusCode: 401, message: expect.stringContaining('missing subscription key') });
    const bad = await em.call('GET', `/ecomm/v2/payments/${newOrderId()}/details`, { headers: { authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
    expect(bad.body.statusCode).toBe(401);
  });

  it('another MSN in the Merchant-Serial-Number header is 403 Merchant', async () => {
    expectError(await em.call('GET', `/ecomm/v2/payments/${newOrderId()}/details`, { headers: { 'merchant-serial-number': '654321' } }), 403, 'Merchant', '37');
  });
});

function expressInfo(extra: Record<string, unknown> = {}) {
  return {
    paymentType: 'eComm Express Payment',
    shippingDetailsPrefix: `${merchant.base}/vipps/shipping`,
    consentRemovalPrefix: `${merchant.base}/vipps/consents`,
    ...extra,
  };
}

describe('eCom v2: express checkout', () => {
  it('dynamic shipping: the shipping-details call, the chosen method, RESERVE callback with user and shipping details', async () => {
    const { orderId, res } = await initiate({ merchantInfo: expressInfo() });
    expect(res.status, res.text).toBe(200);
    const r = await control(`/payments/${orderId}/approve`, { phoneNumber: '4797777776', shippingMethodId: '321abc' });
    expect(r.status, r.text).toBe(200);

    const [shipping] = merchant.shippingRequests();
    expect(shipping!.path).toBe(`/vipps/shipping/v2/payments/${orderId}/shippingDetails`);
    expect(shipping!.headers.authorization).toBe(AUTH);
    expect(shipping!.json).toEqual({ addressId: expect.any(Number), addressLine1: expect.any(String), city: expect.any(String), country: 'NO', postCode: expect.stringMatching(/^\d{4}$/), addressType: 'H' });
    expect(shipping!.json.addressId).toBeGreaterThanOrEqual(100);

    await merchant.until(() => merchant.callbacks(orderId).length === 1);
    const cb = merchant.callbacks(orderId)[0]!.json;
    expect(cb.transactionInfo).toMatchObject({ status: 'RESERVE', amount: 20000 + 19900 });
    expect(cb.shippingDetails).toEqual({
      address: { addressLine1: shipping!.json.addressLine1, city: shipping!.json.city, country: 'Norway', zipCode: shipping!.json.postCode, postCode: shipping!.json.postCode },
      shippingCost: 199,
      shippingMethod: 'Running',
      shippingMethodId: '321abc',
    });
    expect(cb.userDetails).toEqual({ email: expect.stringContaining('@'), firstName: 'Willhelm Fos', lastName: 'Kluvstad', mobileNumber: '97777776', userId: expect.stringMatching(/^[\d\w/=+]+$/) });

    const d = await details(orderId);
    expect(d.body.shippingDetails).toMatchObject({ address: { postCode: shipping!.json.postCode, country: 'Norway' }, shippingMethodId: '321abc', shippingCost: 199 });
    expect(d.body.userDetails).toEqual(cb.userDetails);
    expect(d.body.transactionSummary.remainingAmountToCapture).toBe(39900);
  });

  it('static shipping: no shipping-details call; the default method when none is chosen', async () => {
    const staticShippingDetails = [
      { isDefault: 'N', priority: 1, shippingCost: 0, shippingMethod: 'Pick up in store', shippingMethodId: 'pickup' },
      { isDefault: 'Y', priority: 2, shippingCost: 49.5, shippingMethod: 'Posten', shippingMethodId: 'posten' },
    ];
    const { orderId } = await initiate({ merchantInfo: expressInfo({ shippingDetailsPrefix: undefined, staticShippingDetails }) });
    const r = await control(`/payments/${orderId}/approve`, { phoneNumber: '4797777776' });
    expect(r.status, r.text).toBe(200);
    await merchant.until(() => merchant.callbacks(orderId).length === 1);
    expect(merchant.shippingRequests()).toHaveLength(0);
    const cb = merchant.callbacks(orderId)[0]!.json;
    expect(cb.shippingDetails).toMatchObject({ shippingMethodId: 'posten', shippingCost: 49.5 });
    expect(cb.transactionInfo.amount).toBe(20000 + 4950);
  });

  it('a merchant slower than the shipping timeout: the app cannot offer shipping, the payment stays INITIATE', async () => {
    const slow = await startMerchant({ shippingDelayMs: 60_000 });
    // The app's synchronous merchant calls, as eCom makes them (from the active request server).
    const caller = new MerchantCaller(em.ctx.merchantHttp);
    try {
      const { orderId } = await initiate({ merchantInfo: { ...expressInfo(), shippingDetailsPrefix: `${slow.base}/shipping` } });
      const [stored] = await ecomStore.byOrderId(em.ctx.database.db, orderId, em.merchant.msn);
      const started = Date.now();
      const r = await caller.shippingDetails(stored!.payment, { addressId: 100, addressLine1: 'Gate 1', city: 'OSLO', postCode: '0191' }, 300);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(r).toEqual({ ok: false, error: 'timeout: no answer within 300 ms' });
      expect((await em.call('GET', `/ecomm/v2/payments/${orderId}/status`)).body.transactionInfo.status).toBe('INITIATE');
    } finally {
      await slow.close();
    }
  });
});

describe('eCom v2: callbacks are one attempt', () => {
  it('a failing callback is tried once and dropped, and shows in the delivery log', async () => {
    merchant.state.callbackStatus = 500;
    try {
      const { orderId, res } = await initiate();
      await forceApprove(orderId, res.body.url);
      await merchant.until(() => merchant.callbacks(orderId).length === 1);
      const log = await deliveriesWhenFirst(em, orderId, 'dropped');
      expect(log.body.deliveries[0]).toMatchObject({ status: 'dropped', attempts: 1, lastError: 'receiver answered 500' });
      await em.call('POST', '/devkit/v1/clock/advance', { body: { duration: '20m' } });
      // A later callback, written after the clock jump, has been sent and settled: a retry of the
      // first, due earlier, would have gone out before it.
      const later = await initiate();
      await forceApprove(later.orderId, later.res.body.url);
      await merchant.until(() => merchant.callbacks(later.orderId).length === 1);
      await deliveriesWhenFirst(em, later.orderId, 'dropped');
      expect(merchant.callbacks(orderId)).toHaveLength(1);
      expect((await em.call('GET', `/devkit/v1/deliveries?reference=${orderId}`)).body.deliveries[0]).toMatchObject({ status: 'dropped', attempts: 1 });
    } finally {
      merchant.state.callbackStatus = 200;
    }
  });
});

describe('eCom v2: serve --callback-retries', () => {
  it('adds retries to a failing callback (here 2: three attempts in all), then gives up', async () => {
    const own = await startTestEmulator({ callbackRetries: 2, retryCompression: 10_000 });
    const failing = await startMerchant({ callbackStatus: 503 });
    try {
      const orderId = newOrderId();
      const res = await own.call('POST', '/ecomm/v2/payments', {
        body: {
          customerInfo: {},
          merchantInfo: { merchantSerialNumber: own.merchant.msn, callbackPrefix: `${failing.base}/cb`, fallBack: 'https://shop.example/fb' },
          transaction: { orderId, amount: 1000, transactionText: 'Retry me' },
        },
      });
      await own.call('POST', `/ecomm/v2/integration-test/payments/${orderId}/approve`, { body: { customerPhoneNumber: '97777776', token: token(res.body.url) } });
      await failing.until(() => failing.callbacks(orderId).length === 3);
      const log = await deliveriesWhenFirst(own, orderId, 'dropped');
      expect(log.body.deliveries[0]).toMatchObject({ status: 'dropped', attempts: 3 });
      expect(new Set(failing.callbacks(orderId).map((c) => c.body)).size).toBe(1);
    } finally {
      await own.close();
      await failing.close();
    }
  });
});

describe('eCom v2: injected faults', () => {
  it('an error fault on the eCom API answers in eCom\'s error shape and shows on the status page', async () => {
    const added = await em.call('POST', '/devkit/v1/faults', { body: { type: 'errors', api: 'ecom', rate: 1, status: 500 } });
    expect(added.status, added.text).toBe(201);
    try {
      expectError(await details(newOrderId()), 500, 'VippsError', '99');
      const components = (await em.call('GET', '/api/v2/components.json', { anonymous: true })).body.components as Array<{ name: string; status: string }>;
      expect(components.filter((c) => c.name === 'eCom API').some((c) => c.status !== 'operational')).toBe(true);
    } finally {
      await em.call('DELETE', `/devkit/v1/faults/${added.body.fault.id}`);
    }
    expect((await initiate()).res.status).toBe(200);
  });
});

describe('eCom v2: callback timeout', () => {
  it('a merchant that does not answer within 3 s gets one attempt, logged as a timeout', async () => {
    const hanging = await startReceiver(() => 'hang');
    try {
      const orderId = newOrderId();
      const res = await em.call('POST', '/ecomm/v2/payments', { body: initiateBody(orderId, { merchantInfo: { callbackPrefix: hanging.url('/slow') } }) });
      expect(res.status, res.text).toBe(200);
      const started = Date.now();
      await forceApprove(orderId, res.body.url);
      const log = await deliveriesWhenFirst(em, orderId, 'dropped', 10_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      expect(log.body.deliveries[0]).toMatchObject({ status: 'dropped', attempts: 1, lastError: 'timeout: no answer within 3000 ms' });
      expect(hanging.received.filter((r) => r.path === `/slow/v2/payments/${orderId}`)).toHaveLength(1);
    } finally {
      await hanging.close();
    }
  }, 15_000);
});
