/**
 * The portal over plain HTTP (no browser): who may see what, the cross-site refusal, its headers,
 * the control API's key regeneration, and a webhook registered in the portal as the Webhooks API
 * then lists it. The browser flow is test/e2e/portal.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../../src/apis/index.js';
import type { ApiModule } from '../../../src/apis/module.js';
import { problemShape } from '../../../src/platform/http-errors.js';
import { http, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const form = (fields: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) p.append(k, x);
  return p.toString();
};

/** Signs a test user in (both steps) and returns the session cookie. */
async function signIn(phoneNumber: string): Promise<string> {
  const start = await fetch(`${emu.url}/portal/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ phoneNumber }) });
  expect(start.status).toBe(303);
  const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const confirm = await fetch(`${emu.url}/portal/login/bankid`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: form({ decision: 'confirm' }) });
  expect(confirm.status).toBe(303);
  return cookie;
}

const post = (path: string, cookie: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) =>
  fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers }, body: form(fields) });

describe('the merchant portal over HTTP', () => {
  it('pages behind sign-in send a stranger to the sign-in page; pages carry a CSP; the buttons script is JavaScript', async () => {
    const res = await fetch(`${emu.url}/portal/companies/new`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/portal');
    const page = await fetch(`${emu.url}/portal`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await fetch(`${emu.url}/portal/vipps-buttons.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const text = await script.text();
    expect(text).toContain("customElements.define");
    expect(text).toContain('"Betal med"');
  });

  it('a company and its sales units are seen only by the person who signed; a cross-site form post is refused', async () => {
    const kari = await signIn('4791234567');
    const ola = await signIn('4746123456');
    const signed = await post('/portal/companies', kari, { orgNumber: '912345602', bankAccount: '15031234562', contactName: 'Kari Nordmann', contactEmail: 'kari@example.com', contactPhone: '91234567', contactNin: '', products: ['epayment', 'login'] });
    expect(signed.status, await signed.clone().text()).toBe(303);
    expect(signed.headers.get('location')).toBe('/portal/companies/912345602?notice=agreement');
    const msn = (await http(`${emu.url}/devkit/v1/merchants`, {})).body.merchants.find((m: { name: string }) => m.name === 'Fjordkaffe AS (test)').msn as string;

    expect((await fetch(`${emu.url}/portal/companies/912345602`, { headers: { cookie: kari } })).status).toBe(200);
    expect((await fetch(`${emu.url}/portal/companies/912345602`, { headers: { cookie: ola } })).status).toBe(404);
    expect((await fetch(`${emu.url}/portal/sales-units/${msn}`, { headers: { cookie: ola } })).status).toBe(404);
    expect((await post(`/portal/sales-units/${msn}/keys/regenerate`, ola, { key: 'clientSecret' })).status).toBe(404);
    // A reset keeps agreements and sessions, as it keeps the merchants.
    expect((await http(`${emu.url}/devkit/v1/reset`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${emu.url}/portal/companies/912345602`, { headers: { cookie: kari } })).status).toBe(200);
    expect(await (await fetch(`${emu.url}/portal/companies/912345602`, { headers: { cookie: kari } })).text()).toContain(`/portal/sales-units/${msn}`);
    // The same company cannot sign twice.
    const again = await post('/portal/companies', ola, { orgNumber: '912345602', bankAccount: '15031234562', contactName: 'Ola', contactEmail: 'ola@example.com', contactPhone: '46123456', contactNin: '', products: 'epayment' });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already has a merchant agreement');
    // Another site's page cannot make the signed-in browser regenerate keys.
    const forged = await post(`/portal/sales-units/${msn}/keys/regenerate`, kari, { key: 'clientSecret' }, { 'sec-fetch-site': 'cross-site' });
    expect(forged.status).toBe(403);

    // A webhook registered in the portal is the Webhooks API's: listed there for the sales unit.
    const registered = await post(`/portal/sales-units/${msn}/webhooks`, kari, { url: 'https://shop.example/hooks', events: ['epayments.payment.captured.v1', 'epayments.payment.cancelled.v1'] });
    expect(registered.status).toBe(201);
    const m = emu.ctx.merchants.get(msn)!;
    const token = await emu.fetchToken(m);
    const hooks = await http(`${emu.url}/webhooks/v1/webhooks`, { headers: { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': m.subscriptionKey } });
    expect(hooks.body.webhooks).toEqual([{ id: expect.any(String), url: 'https://shop.example/hooks', events: ['epayments.payment.captured.v1', 'epayments.payment.cancelled.v1'] }]);
    const refused = await post(`/portal/sales-units/${msn}/webhooks`, kari, { url: 'http://shop.example/hooks', events: 'epayments.payment.captured.v1' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('must use HTTPS');
  });

  it('the control API regenerates one key: the old one is refused, the other keeps working', async () => {
    const m = emu.merchant;
    const tokenWith = (key: string) => http(`${emu.url}/accesstoken/get`, { method: 'POST', headers: { client_id: m.clientId, client_secret: m.clientSecret, 'Ocp-Apim-Subscription-Key': key } });
    const res = await http(`${emu.url}/devkit/v1/merchants/${m.msn}/keys/secondarySubscriptionKey/regenerate`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.body.secondarySubscriptionKey).not.toBe(m.secondarySubscriptionKey);
    expect(res.body.subscriptionKey).toBe(m.subscriptionKey);
    expect((await tokenWith(m.secondarySubscriptionKey)).status).toBe(401);
    expect((await tokenWith(res.body.secondarySubscriptionKey)).status).toBe(200);
    expect((await tokenWith(m.subscriptionKey)).status).toBe(200);
    expect((await http(`${emu.url}/devkit/v1/merchants/999999/keys/clientSecret/regenerate`, { method: 'POST' })).status).toBe(404);
    expect((await http(`${emu.url}/devkit/v1/merchants/${m.msn}/keys/password/regenerate`, { method: 'POST' })).status).toBe(400);
  });
});

describe('settlements in the portal, once a module provides them', () => {
  it("lists the files a module hands the port for the person's sales units, linking to where that module serves them", async () => {
    // A module of this test (as test/architecture/module-contract.test.ts adds a toy one): it
    // provides settlement files through the platform port, and serves one.
    const reports: ApiModule = {
      name: 'toysettlements',
      title: 'Toy settlements',
      description: 'Settlement files for the portal test',
      prefixes: ['/toy-settlements/'],
      errors: problemShape,
      statusComponent: false,
      start(platform) {
        platform.salesUnits.provideSettlements({
          list: async (msn) => [{ id: `s-${msn}`, date: '2026-01-02', fileName: `settlement-${msn}-2026-01-02.csv`, href: `/toy-settlements/${msn}.csv`, description: 'NOK 1 234,00 paid out' }],
        });
        return { routes: async (app) => void app.get('/toy-settlements/:file', async (_req, reply) => reply.type('text/csv').send('date,amount\n2026-01-02,123400\n')) };
      },
    };
    const withReports = await startTestEmulator({ modules: [...MODULES, reports] });
    try {
      const start = await fetch(`${withReports.url}/portal/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'phoneNumber=4791234567' });
      const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
      await fetch(`${withReports.url}/portal/login/bankid`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: 'decision=confirm' });
      const page = await (await fetch(`${withReports.url}/portal/settlements`, { headers: { cookie } })).text();
      const msn = withReports.merchant.msn;
      expect(page).not.toContain('No settlements in this build');
      expect(page).toContain(`<a href="/toy-settlements/${msn}.csv" download="settlement-${msn}-2026-01-02.csv">`);
      expect(page).toContain('NOK 1 234,00 paid out');
    } finally {
      await withReports.close();
    }
    // Without such a module the page says so, and lists nothing.
    const without = await startTestEmulator({ modules: MODULES.filter((m) => m.name !== 'settlements') });
    try {
      const start = await fetch(`${without.url}/portal/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'phoneNumber=4791234567' });
      const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
      await fetch(`${without.url}/portal/login/bankid`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie }, body: 'decision=confirm' });
      const none = await (await fetch(`${without.url}/portal/settlements`, { headers: { cookie } })).text();
      expect(none).toContain('No settlements in this build');
      expect(none).not.toContain('download=');
    } finally {
      await without.close();
    }
  });

  it('the settlements module lists a sales unit\'s real settlements, each file downloadable', async () => {
    const kari = await signIn('4791234567');
    const msn = emu.merchant.msn;
    const empty = await (await fetch(`${emu.url}/portal/settlements`, { headers: { cookie: kari } })).text();
    expect(empty).toContain('No settlements yet.');
    const booked = await http(`${emu.url}/devkit/v1/settlements/units/${msn}/transactions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'capture', amount: 123_400 }) });
    expect(booked.status, booked.text).toBe(201);
    expect((await http(`${emu.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ duration: '3d' }) })).status).toBe(200);
    await expect.poll(async () => (await http(`${emu.url}/devkit/v1/settlements/units/${msn}/settlements`)).body.settlements?.length ?? 0).toBeGreaterThan(0);
    const page = await (await fetch(`${emu.url}/portal/settlements`, { headers: { cookie: kari } })).text();
    const href = /href="(\/devkit\/v1\/settlements\/units\/\d+\/settlements\/\d+\/report\.xml)"/.exec(page)?.[1];
    expect(href, page).toBeTruthy();
    expect(page).toMatch(/report\.pdf/);
    const xml = await fetch(`${emu.url}${href}`);
    expect(xml.status).toBe(200);
    expect(await xml.text()).toContain('<SettlementReport');
  });
});
