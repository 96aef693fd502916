// A minimal client for the Vipps APIs the shop uses: Access token, ePayment and Webhooks.
// Every call is plain fetch with the headers Vipps asks for; nothing here is emulator-specific.
import { randomUUID } from 'node:crypto';

/**
 * @param {{ baseUrl: string, clientId: string, clientSecret: string, subscriptionKey: string, msn: string }} keys
 *   baseUrl is https://apitest.vipps.no in the test environment (or the emulator's URL).
 */
export function vippsClient(keys) {
  const common = {
    'ocp-apim-subscription-key': keys.subscriptionKey,
    'merchant-serial-number': keys.msn,
    'vipps-system-name': 'example-shop',
    'vipps-system-version': '1.0.0',
  };
  let token = { value: '', expiresAt: 0 };

  async function accessToken() {
    if (Date.now() < token.expiresAt) return token.value;
    const res = await fetch(`${keys.baseUrl}/accesstoken/get`, {
      method: 'POST',
      headers: { ...common, client_id: keys.clientId, client_secret: keys.clientSecret },
    });
    if (!res.ok) throw new Error(`access token: HTTP ${res.status} ${await res.text()}`);
    const body = await res.json();
    // Renew a minute before it runs out.
    token = { value: body.access_token, expiresAt: Date.now() + (Number(body.expires_in) - 60) * 1000 };
    return token.value;
  }

  async function call(method, path, body, idempotencyKey = randomUUID()) {
    const res = await fetch(`${keys.baseUrl}${path}`, {
      method,
      headers: {
        ...common,
        authorization: `Bearer ${await accessToken()}`,
        ...(body ? { 'content-type': 'application/json', 'idempotency-key': idempotencyKey } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  const nok = (value) => ({ currency: 'NOK', value });
  return {
    /** Starts a payment; the user goes to `redirectUrl` to approve it in the Vipps app. */
    createPayment: ({ reference, amount, description, returnUrl }) =>
      call('POST', '/epayment/v1/payments', {
        reference,
        amount: nok(amount),
        paymentMethod: { type: 'WALLET' },
        userFlow: 'WEB_REDIRECT',
        returnUrl,
        paymentDescription: description,
      }, `create-${reference}`),
    getPayment: (reference) => call('GET', `/epayment/v1/payments/${reference}`),
    // The idempotency keys are derived from the order, so a retried click cannot capture twice.
    capture: (reference, amount) => call('POST', `/epayment/v1/payments/${reference}/capture`, { modificationAmount: nok(amount) }, `capture-${reference}`),
    refund: (reference, amount) => call('POST', `/epayment/v1/payments/${reference}/refund`, { modificationAmount: nok(amount) }, `refund-${reference}`),
    /** Registers a webhook; the answer's `secret` is what signatures are checked with. */
    registerWebhook: (url, events) => call('POST', '/webhooks/v1/webhooks', { url, events }),
  };
}
