/**
 * docs/security.md, "what is never logged": at the most verbose log level, a session's credentials
 * (client secret, subscription key, access token, admin token), request bodies and payment-link
 * tokens do not reach the log (stderr). The banner on stdout is where credentials are printed.
 */
import { describe, expect, it } from 'vitest';
import { startServeProcess, stopProcess } from '../helpers/cli.js';
import { http } from '../helpers/emulator.js';

describe('the log never holds credentials, bodies or payment-link tokens', () => {
  it('serve --log-level trace, a session with every kind of secret', async () => {
    const { child, banner, stderr } = await startServeProcess(['--ephemeral', '--no-dns', '--admin-token', 'admin-token-never-logged', '--log-level', 'trace']);
    const secrets = [banner.clientSecret, banner.subscriptionKey, 'admin-token-never-logged', 'body-secret-never-logged'];
    try {
      const token = (await http(`${banner.url}/accesstoken/get`, { method: 'POST', headers: { client_id: banner.clientId, client_secret: banner.clientSecret, 'ocp-apim-subscription-key': banner.subscriptionKey } })).body.access_token as string;
      secrets.push(token);
      const headers = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber, 'content-type': 'application/json' };
      const created = await http(`${banner.url}/epayment/v1/payments`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': 'k-1' },
        body: JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: 'order-logs-00001', userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r', paymentDescription: 'body-secret-never-logged' }),
      });
      expect(created.status).toBe(201);
      const linkToken = new URL(created.body.redirectUrl).searchParams.get('token')!;
      secrets.push(linkToken);
      expect((await http(created.body.redirectUrl, {})).status).toBe(200);
      // Errors are logged too: a malformed body, a refused admin call, a control call with the token.
      await http(`${banner.url}/epayment/v1/payments`, { method: 'POST', headers: { ...headers, 'idempotency-key': 'k-2' }, body: '{"body-secret-never-logged":' });
      await http(`${banner.url}/devkit/v1/merchants`, { headers: { authorization: 'Bearer admin-token-never-logged' } });
      await http(`${banner.url}/devkit/v1/merchants`, { headers: { authorization: 'Bearer wrong' } });
    } finally {
      await stopProcess(child);
    }
    const log = stderr();
    expect(log).toMatch(/POST \/epayment\/v1\/payments 201 [\d.]+ ms from 127\.0\.0\.1/);
    expect(log).toContain('token=[redacted]');
    for (const secret of secrets) expect(log, `the log holds ${secret.slice(0, 12)}…`).not.toContain(secret);
  });
});
