/**
 * Checkout → merchant: the session notification (through the delivery engine, in the command's
 * transaction) and the dynamic shipping call the hosted page makes while the user types the address.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { IdSource } from '../../platform/ids.js';
import type { MerchantHttp } from '../../platform/merchant-http.js';
import { DYNAMIC_OPTIONS_TIMEOUT_MS, optionProblem, type Customer, type Session } from './domain.js';
import { LogisticsOption, type DynamicOptionsRequest, type SessionResponse } from './schemas.js';

/** Pseudo webhook id of Checkout's callbacks in `deliveries`: one channel, per session in order. */
export const CHECKOUT_CALLBACK_TARGET = 'checkout-callback';
/** A non-2xx answer is retried with back-off, at most 3 times (CO-G). */
export const CALLBACK_MAX_ATTEMPTS = 4;
export const CALLBACK_TIMEOUT_MS = 10_000;

/** The notification owed when a session ends: the GET body, `Authorization` = the merchant's token verbatim. */
export function notificationOutbox(o: { outbox: Outbox; ids: IdSource }) {
  return (trx: Transaction<Database>, s: Session, body: SessionResponse, seq: number): Promise<void> =>
    o.outbox.enqueue(trx, [
      {
        id: o.ids.uuidv7(),
        event_id: o.ids.uuid(),
        webhook_id: CHECKOUT_CALLBACK_TARGET,
        msn: s.msn,
        reference: s.reference,
        event_seq: seq,
        event_type: `checkout.session.${s.state}`,
        payload: JSON.stringify(body),
        target_url: s.merchantInfo.callbackUrl,
        headers: JSON.stringify({ authorization: s.merchantInfo.callbackAuthorizationToken }),
        max_attempts: CALLBACK_MAX_ATTEMPTS,
        timeout_ms: CALLBACK_TIMEOUT_MS,
      },
    ]);
}

const Answer = Type.Array(LogisticsOption, { maxItems: 50 });

/**
 * POST {dynamicOptionsCallback} with the address; the merchant's options, or undefined (with the
 * reason) when there is no usable answer within 8 s: then the fixed options are offered (CO-SHIP).
 */
export async function dynamicOptions(http: MerchantHttp, s: Session, c: Customer, timeoutMs = DYNAMIC_OPTIONS_TIMEOUT_MS): Promise<{ options?: LogisticsOption[]; error?: string }> {
  if (!s.dynamicOptionsCallback) return {};
  const body: DynamicOptionsRequest = { streetAddress: c.streetAddress ?? '', postalCode: c.postalCode ?? '', region: c.city ?? '', country: c.country ?? '' };
  const res = await http.send({
    method: 'POST',
    url: s.dynamicOptionsCallback,
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: s.merchantInfo.callbackAuthorizationToken },
    body: JSON.stringify(body),
    timeoutMs,
  });
  if (res.error !== undefined) return { error: res.error };
  if (res.status < 200 || res.status >= 300) return { error: `the merchant answered ${res.status}` };
  let value: unknown;
  try {
    value = JSON.parse(res.body);
  } catch {
    return { error: 'the merchant answered with something other than JSON' };
  }
  if (value === null) return {};
  if (!Value.Check(Answer, value)) return { error: 'the merchant answered with an invalid list of options' };
  const options = value as LogisticsOption[];
  for (const [i, o] of options.entries()) {
    const problem = optionProblem(o, `[${i}]`, s.amount.currency);
    if (problem) return { error: `the merchant's option ${i}: ${problem.detail}` };
  }
  return { options };
}
