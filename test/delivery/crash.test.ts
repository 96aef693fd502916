import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess, stopProcess, type Banner } from '../helpers/cli.js';
import { http } from '../helpers/emulator.js';
import { startReceiver } from '../helpers/receiver.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'devkit-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function api(b: Banner, token: string | undefined, method: string, p: string, body?: unknown, key?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) Object.assign(headers, { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': b.subscriptionKey, 'merchant-serial-number': b.merchantSerialNumber });
  if (key) headers['idempotency-key'] = key;
  return http(`${b.url}${p}`, { method, headers, signal: AbortSignal.timeout(5_000), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}
async function pay(b: Banner, token: string, reference: string) {
  const created = await api(b, token, 'POST', '/epayment/v1/payments', { amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' }, `key-${reference}`);
  expect(created.status).toBe(201);
  expect((await api(b, token, 'POST', `/epayment/v1/test/payments/${reference}/approve`, {})).status).toBe(200);
}

describe('delivery survives kill -9', () => {
  it('delivers everything owed after a restart, and nothing acknowledged before the crash again', { timeout: 45_000 }, async () => {
    let phase: 'before' | 'after' = 'before';
    const receiver = await startReceiver((r) => (r.json?.reference?.startsWith('acked-') || phase === 'after' ? 200 : 503));
    const args = ['--data-dir', dataDir, '--retry-compression', '1000', '--delivery-timeout', '2000'];
    const first = await startServeProcess(args);
    const b = first.banner;
    const token = (await http(`${b.url}/accesstoken/get`, { method: 'POST', headers: { client_id: b.clientId, client_secret: b.clientSecret, 'ocp-apim-subscription-key': b.subscriptionKey } })).body.access_token;
    const hook = await api(b, token, 'POST', '/webhooks/v1/webhooks', { url: receiver.url(), events: ['epayments.payment.created.v1', 'epayments.payment.authorized.v1'] });
    expect(hook.status).toBe(201);

    await pay(b, token, 'acked-payment-1');
    // The acknowledged deliveries are recorded as delivered before the crash.
    await expect
      .poll(async () => (await api(b, undefined, 'GET', '/devkit/v1/deliveries?reference=acked-payment-1')).body.deliveries.map((d: any) => d.status), { timeout: 15_000, interval: 100 })
      .toEqual(['delivered', 'delivered']);

    const owed = ['owed-payment-1', 'owed-payment-2', 'owed-payment-3'];
    for (const reference of owed) await pay(b, token, reference);
    await receiver.until((r) => owed.every((ref) => r.some((x) => x.json?.reference === ref)));
    await stopProcess(first.child, 'SIGKILL');
    const atKill = receiver.received.length;
    phase = 'after';

    const second = await startServeProcess(args);
    try {
      // Retries follow the simulated clock: jump past any back-off the failures before the crash earned.
      expect((await api(second.banner, undefined, 'POST', '/devkit/v1/clock/advance', { duration: '1d' })).status).toBe(200);
      await receiver.until((r) => owed.every((ref) => ['CREATED', 'AUTHORIZED'].every((name) => r.some((x) => x.json?.reference === ref && x.json.name === name && x.answered === 200))), 15_000);
      const afterRestart = receiver.received.slice(atKill);
      expect(afterRestart.filter((r) => r.json?.reference?.startsWith('acked-'))).toEqual([]);
      for (const ref of owed) {
        const oks = receiver.received.filter((r) => r.json?.reference === ref && r.answered === 200);
        // Each owed event arrives exactly once with success, CREATED before AUTHORIZED.
        expect(oks.map((r) => r.json.name)).toEqual(['CREATED', 'AUTHORIZED']);
        expect(new Set(oks.map((r) => r.headers['devkit-event-id'])).size).toBe(2);
        // Retries of the same event carry the same event id.
        const created = receiver.received.filter((r) => r.json?.reference === ref && r.json.name === 'CREATED');
        expect(new Set(created.map((r) => r.headers['devkit-event-id'])).size).toBe(1);
      }
    } catch (err) {
      throw new Error(`${(err as Error).message}\nemulator log after restart:\n${second.stderr().slice(-3000)}`);
    } finally {
      await stopProcess(second.child);
      await receiver.close();
    }
  });
});
