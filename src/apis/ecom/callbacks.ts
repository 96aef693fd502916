/**
 * Vipps → merchant calls of eCom v2 (reference §5): the transaction-update callback (through the
 * delivery engine, written in the command's transaction), and the synchronous shipping-details and
 * consent-removal calls the simulated app makes during the user's flow.
 */
import type { Transaction } from 'kysely';
import { Value } from '@sinclair/typebox/value';
import type { Database } from '../../db/schema.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { IdSource } from '../../platform/ids.js';
import type { MerchantHttp } from '../../platform/merchant-http.js';
import { sortShippingOptions, type CallbackBody, type EcomPayment, type ShippingOption } from './domain.js';
import { ShippingDetailsResponse } from './schemas.js';

/** Pseudo webhook id of eCom callbacks in `deliveries`: keeps one payment's callbacks in order. */
export const ECOM_CALLBACK_TARGET = 'ecom-callback';
/** One attempt, 3 s (reference §5.1). */
export const CALLBACK_TIMEOUT_MS = 3_000;
/** The shipping-details call may take 10 s (SPEC, G23). */
export const SHIPPING_TIMEOUT_MS = 10_000;
export const CONSENT_TIMEOUT_MS = 10_000;

export const callbackUrl = (p: Pick<EcomPayment, 'callbackPrefix' | 'orderId'>) => `${p.callbackPrefix}/v2/payments/${p.orderId}`;

export interface CallbackOutboxOptions {
  outbox: Outbox;
  ids: IdSource;
  /** Extra attempts after the first (`serve --callback-retries N`); real Vipps makes none. */
  retries: () => number;
}

/** Writes the callback a change owes as a delivery, in the same transaction as the change. */
export function ecomCallbackOutbox(o: CallbackOutboxOptions) {
  return (trx: Transaction<Database>, payment: EcomPayment, body: CallbackBody, seq: number): Promise<void> =>
    o.outbox.enqueue(trx, [
      {
        id: o.ids.uuidv7(),
        event_id: o.ids.uuid(),
        webhook_id: ECOM_CALLBACK_TARGET,
        msn: payment.msn,
        reference: payment.orderId,
        event_seq: seq,
        event_type: `ecom.callback.${body.transactionInfo.status}`,
        payload: JSON.stringify(body),
        target_url: callbackUrl(payment),
        headers: payment.authToken === undefined ? null : JSON.stringify({ authorization: payment.authToken }),
        max_attempts: 1 + Math.max(0, Math.floor(o.retries())),
        timeout_ms: CALLBACK_TIMEOUT_MS,
      },
    ]);
}

export type MerchantCallResult<T> = { ok: true; value: T; status: number } | { ok: false; error: string };

/**
 * Calls the merchant directly (synchronous calls in the user's flow) through the platform's
 * merchant HTTP client: loopback targets are called from the active request server, as
 * deliveries are (decision 61).
 */
export class MerchantCaller {
  constructor(private readonly http: MerchantHttp) {}

  async call(method: 'POST' | 'DELETE', url: string, body: unknown, authToken: string | undefined, timeoutMs: number): Promise<MerchantCallResult<unknown>> {
    const res = await this.http.send({
      method,
      url,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }),
        ...(authToken === undefined ? {} : { authorization: authToken }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs,
    });
    if (res.error !== undefined) return { ok: false, error: res.error };
    if (res.status < 200 || res.status >= 300) return { ok: false, error: `the merchant answered ${res.status}` };
    let value: unknown = undefined;
    try {
      value = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      value = res.body;
    }
    return { ok: true, value, status: res.status };
  }

  /** POST shippingDetailsPrefix/v2/payments/{orderId}/shippingDetails; the options sorted by priority. */
  async shippingDetails(p: EcomPayment, address: { addressId: number; addressLine1: string; city: string; postCode: string }, timeoutMs = SHIPPING_TIMEOUT_MS): Promise<MerchantCallResult<ShippingOption[]>> {
    const url = `${p.shippingDetailsPrefix}/v2/payments/${p.orderId}/shippingDetails`;
    const body = { addressId: address.addressId, addressLine1: address.addressLine1, city: address.city, country: 'NO', postCode: address.postCode, addressType: 'H' };
    const r = await this.call('POST', url, body, p.authToken, timeoutMs);
    if (!r.ok) return r;
    if (!Value.Check(ShippingDetailsResponse, r.value)) return { ok: false, error: 'the merchant answered with an invalid shipping-details body' };
    const options = (r.value as { shippingDetails: ShippingOption[] }).shippingDetails;
    if (options.length === 0) return { ok: false, error: 'the merchant answered with no shipping methods' };
    return { ok: true, status: r.status, value: sortShippingOptions(options) };
  }

  /** DELETE consentRemovalPrefix/v2/consents/{userId} (the user withdrew consent in the app). */
  async removeConsent(p: EcomPayment, userId: string, timeoutMs = CONSENT_TIMEOUT_MS): Promise<MerchantCallResult<unknown>> {
    return this.call('DELETE', `${p.consentRemovalPrefix}/v2/consents/${encodeURIComponent(userId)}`, undefined, p.authToken, timeoutMs);
  }
}

