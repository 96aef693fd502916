// The example shop against the emulator: in Chromium as a customer and a shop keeper would use
// it, and at its webhook endpoint as an attacker would try it.
// Run with: npx vitest run examples/shop   (after npm run build)
import http from 'node:http';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookRequest, startEmulator, type TestEmulator } from 'vipps-devkit/testing';
import { startShop } from './shop.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const noBrowser = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (noBrowser) console.log(`[examples/shop] browser test skipped: ${noBrowser}`);

let vipps: TestEmulator;
let shop: Awaited<ReturnType<typeof startShop>>;

beforeAll(async () => {
  // The emulator's DNS server tells the shop's allowlist guard where the request servers are.
  vipps = await startEmulator({ dnsPort: 0 });
  const m = await vipps.merchant();
  shop = await startShop({
    vipps: { baseUrl: vipps.url, clientId: m.clientId, clientSecret: m.clientSecret, subscriptionKey: m.subscriptionKey, msn: m.msn },
    requestServers: { environments: ['mt'], resolver: vipps.dns },
    port: 0,
  });
});
afterAll(async () => {
  await shop?.close();
  await vipps?.close();
});

const order = async (id: string) => (await fetch(`${shop.url}/orders/${id}`, { headers: { accept: 'application/json' } })).json();

describe.skipIf(noBrowser !== undefined)('in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });
  afterAll(() => browser?.close());

  it('buy → approve in the simulated Vipps app → back at the shop, paid → ship (capture) → refund', async () => {
    const page = await browser.newPage();
    await page.goto(shop.url);
    await page.getByRole('button', { name: 'Buy with Vipps' }).click();

    // Vipps' landing page, then the app of the test user.
    await page.waitForURL(`${vipps.url}/**`);
    expect(await page.getByTestId('amount').textContent()).toBe('299,00 kr');
    const { testUsers } = (await vipps.merchants())[0]!;
    await page.locator('#phoneNumber').fill(testUsers[0]!.phoneNumber);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('input[name="pin"]').fill('1236');
    await page.getByRole('button', { name: 'Approve' }).click();

    await page.waitForURL(`${shop.url}/orders/*`);
    const id = (await page.getByTestId('order').textContent())!;
    expect(await page.getByTestId('status').textContent()).toBe('paid');

    await page.getByRole('button', { name: 'Ship' }).click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('shipped');
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => page.getByTestId('status').textContent()).toBe('refunded');

    // Vipps told the shop about each step, through the guard and with a valid signature.
    await expect.poll(async () => [...(await order(id)).webhooks].sort()).toEqual(['AUTHORIZED', 'CAPTURED', 'REFUNDED']);
    const captured = await vipps.waitForDelivery({ reference: id, eventType: 'epayments.payment.captured.v1', status: 200 });
    expect(captured.request.url).toBe(`${shop.url}/vipps/webhooks`);
  });
});

describe('the webhook endpoint', () => {
  /** POSTs a webhook from a given source address, as the emulator's request server or as anyone. */
  function post(body: string, headers: Record<string, string>, localAddress: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${shop.url}/vipps/webhooks`, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject).end(body);
    });
  }
  /** An order paid in the app, and the delivery that told the shop so. */
  async function paidOrder() {
    await fetch(`${shop.url}/buy`, { method: 'POST', redirect: 'manual' });
    const id = [...shop.orders.keys()].at(-1)!;
    await vipps.approvePayment(id);
    return vipps.waitForDelivery({ reference: id, status: 200 });
  }

  it('refuses a correctly signed webhook from an address that is no Vipps request server', async () => {
    const delivery = await paidOrder();
    expect(await post(delivery.request.body, delivery.request.headers, '127.0.0.1')).toBe(403);
  });

  it('refuses a webhook from a request server whose signature does not check out', async () => {
    // The address the emulator delivers from, as the guard sees it: resolved by the emulator's DNS.
    const resolver = new Resolver();
    resolver.setServers([vipps.dns!]);
    const [from] = await resolver.resolve4((await paidOrder()).source.hostname);
    const body = JSON.stringify({ reference: 'shop-forged', name: 'CAPTURED' });
    const forged = signWebhookRequest(`${shop.url}/vipps/webhooks`, body, 'not-the-secret', new Date());
    expect(await post(body, forged, from!)).toBe(401);
  });
});
