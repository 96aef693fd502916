import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerDateEnd, ledgerDateOf } from '../../src/apis/settlements/domain/calendar.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { pgUnreachable, testPgUrl } from '../helpers/postgres.js';
import { startReceiver } from '../helpers/receiver.js';
import { draftBody, refreshingTokens } from '../apis/recurring/helpers.js';
import { authorizeUrl, BASE, Browser, pkce, REDIRECT, token, USER } from '../apis/login/helpers.js';

/**
 * Shared PostgreSQL mode, module by module: whatever one instance changes — through an API, the
 * control API or the user side — the other instance shows, within the sweep's second. Nothing an
 * instance keeps in memory may hide another's write.
 */
const schema = `devkit_shared_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const skipReason = await pgUnreachable(testPgUrl);
let a: TestEmulator;
let b: TestEmulator;
const poll = { timeout: 5_000, interval: 100 };

describe.skipIf(skipReason !== undefined)(`two instances on one PostgreSQL${skipReason ? ` (skipped: no database at ${testPgUrl}: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    const database = { kind: 'postgres' as const, url: testPgUrl, schema };
    a = await startTestEmulator({ database, expirySweepMs: 200, retryCompression: 1000 });
    b = await startTestEmulator({ database, expirySweepMs: 200, retryCompression: 1000 });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    const client = new pg.Client({ connectionString: testPgUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it('webhooks: registered on A, an event caused on B is delivered; deleted on B, A sends no more', async () => {
    const receiver = await startReceiver();
    try {
      const hook = await a.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.created.v1'] } });
      expect(hook.status).toBe(201);
      const first = await b.createPayment();
      await receiver.until((r) => r.some((x) => x.json?.reference === first.reference));
      expect((await b.call('GET', '/webhooks/v1/webhooks')).body.webhooks.map((w: any) => w.id)).toContain(hook.body.id);

      expect((await b.call('DELETE', `/webhooks/v1/webhooks/${hook.body.id}`)).status).toBe(204);
      const second = await a.createPayment();
      // A third payment whose webhook goes elsewhere proves A's outbox has run past the second one.
      const other = await startReceiver();
      try {
        await a.call('POST', '/webhooks/v1/webhooks', { body: { url: other.url(), events: ['epayments.payment.created.v1'] } });
        const third = await a.createPayment();
        await other.until((r) => r.some((x) => x.json?.reference === third.reference));
        expect(receiver.received.map((x) => x.json?.reference)).not.toContain(second.reference);
      } finally {
        await other.close();
      }
    } finally {
      await receiver.close();
    }
  });

  it('request servers: a rotation and an outage made on A are what B reports and delivers from', async () => {
    const before = (await b.call('GET', '/devkit/v1/request-servers')).body.deliveringFrom;
    const rotated = (await a.call('POST', '/devkit/v1/request-servers/mt/rotate')).body.deliveringFrom;
    expect(rotated.hostname).not.toBe(before.hostname);
    await expect.poll(async () => (await b.call('GET', '/devkit/v1/request-servers')).body.deliveringFrom.hostname, poll).toBe(rotated.hostname);

    await a.call('POST', '/devkit/v1/request-servers/mt/down');
    await expect.poll(async () => (await b.call('GET', '/devkit/v1/request-servers')).body.deliveringFrom.environment, poll).toBe('dr');
    await b.call('POST', '/devkit/v1/request-servers/mt/up');
    await expect.poll(async () => (await a.call('GET', '/devkit/v1/request-servers')).body.deliveringFrom.environment, poll).toBe('mt');
  });

  it('operations: a fault injected on A fails requests on B and shows on B\'s status page; cleared on B, A recovers', async () => {
    const fault = await a.call('POST', '/devkit/v1/faults', { body: { type: 'errors', api: 'epayment', rate: 1, status: 503 } });
    expect(fault.status).toBe(201);
    await expect.poll(async () => (await b.call('GET', '/epayment/v1/payments/nothing-here')).status, poll).toBe(503);
    const components = (await b.call('GET', '/api/v2/components.json', { anonymous: true })).body.components;
    expect(components.some((c: any) => c.name.startsWith('ePayment API') && c.status !== 'operational')).toBe(true);

    expect((await b.call('DELETE', `/devkit/v1/faults/${fault.body.fault.id}`)).status).toBe(200);
    await expect.poll(async () => (await a.call('GET', '/epayment/v1/payments/nothing-here')).status, poll).toBe(404);
  });

  it('maintenance scheduled on B is listed by A', async () => {
    const m = await b.call('POST', '/devkit/v1/maintenances', { body: { name: 'Shared window', startsIn: '1h', duration: '1h' } });
    expect(m.status).toBe(201);
    await expect.poll(async () => (await a.call('GET', '/api/v2/scheduled-maintenances/upcoming.json', { anonymous: true })).body.scheduled_maintenances.map((x: any) => x.name), poll).toContain('Shared window');
  });

  it('test users and the app inbox: a user made on A gets a push payment created on B, in A\'s simulated app', async () => {
    const user = await a.call('POST', '/devkit/v1/users', { body: { givenName: 'Delt' } });
    expect(user.status).toBe(201);
    const phone = user.body.phoneNumber as string;
    const { reference, response } = await b.createPayment({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: phone }, returnUrl: undefined });
    expect(response.status, response.text).toBe(201);
    const page = await fetch(`${a.url}/app/${phone}`);
    expect(await page.text()).toContain(reference);
    // Approved as that user on A's control API, captured through B.
    expect((await a.call('POST', `/devkit/v1/payments/${reference}/approve`, { body: { phoneNumber: phone } })).status).toBe(200);
    const capture = await b.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 1000 } } });
    expect(capture.status).toBe(200);
  });

  it('QR: a merchant redirect QR made on A is listed, updated and deleted through B', async () => {
    const id = `shared-${randomUUID().slice(0, 8)}`;
    const accept = { accept: 'text/targetUrl' };
    const made = await a.call('POST', '/qr/v1/merchant-redirect', { headers: accept, body: { id, redirectUrl: 'https://shop.example/a' } });
    expect(made.status, made.text).toBe(200);
    expect((await b.call('GET', `/qr/v1/merchant-redirect/${id}`, { headers: accept })).body.redirectUrl).toBe('https://shop.example/a');
    expect((await b.call('PUT', `/qr/v1/merchant-redirect/${id}`, { headers: accept, body: { redirectUrl: 'https://shop.example/b' } })).status).toBe(200);
    expect((await a.call('GET', `/qr/v1/merchant-redirect/${id}`, { headers: accept })).body.redirectUrl).toBe('https://shop.example/b');
    expect((await b.call('DELETE', `/qr/v1/merchant-redirect/${id}`)).status).toBeLessThan(300);
    expect((await a.call('GET', `/qr/v1/merchant-redirect/${id}`, { headers: accept })).status).toBe(404);
  });

  it('Userinfo: a user consents in a payment approved on A, B answers the profile for the sub', async () => {
    const { reference } = await a.createPayment({ profile: { scope: 'name phoneNumber' } });
    expect((await a.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: { phoneNumber: '4791234567' } })).status).toBe(200);
    const sub = (await b.call('GET', `/epayment/v1/payments/${reference}`)).body.profile.sub;
    const info = await b.call('GET', `/vipps-userinfo-api/userinfo/${sub}`);
    expect(info.status, info.text).toBe(200);
    expect(info.body).toMatchObject({ sub, name: 'Kari Nordmann', phone_number: '4791234567' });
  });

  it('Login: settings and a login started on A finish on B; the code is exchanged on A; keys rotated on A are B\'s', async () => {
    expect((await a.call('PUT', `/devkit/v1/login/merchants/${a.merchant.msn}`, { anonymous: true, body: { redirectUris: [REDIRECT] } })).status).toBe(200);
    const browser = new Browser(a.url);
    const { verifier, challenge } = pkce();
    const started = await browser.follow(await browser.get(authorizeUrl(a, { code_challenge: challenge, code_challenge_method: 'S256' })));
    expect(started.url).toContain('/login/');
    expect((await browser.post(started.url, { phoneNumber: USER, action: 'login' })).status).toBe(303);
    expect((await b.call('POST', `/devkit/v1/login/users/${USER}/approve`, { anonymous: true })).status).toBe(200);
    const onB = browser.at(b.url);
    let back = await onB.follow(await onB.get(started.url.replace(a.url, b.url)));
    // B finished the login; the authorization resumes where it began (A's resume URL).
    expect(back.url.startsWith(`${a.url}${BASE}/oauth2/auth/`), back.url).toBe(true);
    back = await browser.follow(await browser.get(back.url));
    const code = new URL(back.url).searchParams.get('code');
    expect(code, back.url).toBeTruthy();
    const t = await token(a, { grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(t.status, JSON.stringify(t.body)).toBe(200);
    expect((await fetch(`${b.url}/vipps-userinfo-api/userinfo`, { headers: { authorization: `Bearer ${t.body.access_token}` } })).status).toBe(200);
    const kids = async (e: TestEmulator) => ((await (await fetch(`${e.url}${BASE}/.well-known/jwks.json`)).json()) as any).keys.map((k: any) => k.kid).join();
    expect(await kids(b)).toBe(await kids(a));
    const rotated = await a.call('POST', '/devkit/v1/login/keys/rotate', { anonymous: true });
    await expect.poll(async () => (await kids(b)).split(',')[0], poll).toBe(rotated.body.kid);
  });

  it('Checkout: a session made on A is paid through B\'s page and app; A reads it paid and B captures the payment', async () => {
    const { checkoutHeaders, newReference, pageForm, sessionBody, startShop } = await import('../apis/checkout/helpers.js');
    const shop = await startShop();
    try {
      const reference = newReference();
      const created = await a.call('POST', '/checkout/v3/session', { anonymous: true, headers: checkoutHeaders(a), body: sessionBody(reference, shop, { logistics: null, configuration: { elements: 'PaymentOnly' } }) });
      expect(created.status, created.text).toBe(200);
      expect((await b.call('GET', `/checkout/v3/session/${reference}`, { anonymous: true, headers: checkoutHeaders(b) })).body.sessionState).toBe('SessionCreated');
      expect((await pageForm(b, '/vippscheckout/v1/pay', { token: created.body.token, method: 'vipps' })).status).toBe(303);
      expect((await b.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: { phoneNumber: '4791234567' } })).status).toBe(200);
      const paid = await a.call('GET', `/checkout/v3/session/${reference}`, { anonymous: true, headers: checkoutHeaders(a) });
      expect(paid.body).toMatchObject({ sessionState: 'PaymentSuccessful', paymentDetails: { state: 'AUTHORIZED' } });
      expect((await b.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: randomUUID(), body: { modificationAmount: { currency: 'NOK', value: 20000 } } })).status).toBe(200);
      await expect.poll(async () => (await a.call('GET', `/checkout/v3/session/${reference}`, { anonymous: true, headers: checkoutHeaders(a) })).body.paymentDetails.aggregate.capturedAmount.value, poll).toBe(20000);
      await expect.poll(() => shop.callbacks().length, poll).toBe(1);
    } finally {
      await shop.close();
    }
  });

  it('Order Management: a receipt sent to A is read on B and refused a second time there', async () => {
    const orderId = `om-${randomUUID().slice(0, 8)}`;
    const receipt = { orderLines: [{ name: 'Socks', id: 's', totalAmount: 1250, totalAmountExcludingTax: 1000, totalTaxAmount: 250, taxRate: 2500 }], bottomLine: { currency: 'NOK' } };
    expect((await a.call('POST', `/order-management/v2/ecom/receipts/${orderId}`, { body: receipt })).status).toBe(201);
    expect((await b.call('GET', `/order-management/v2/ecom/${orderId}`)).body.receipt.orderLines[0].id).toBe('s');
    expect((await b.call('POST', `/order-management/v2/ecom/receipts/${orderId}`, { body: receipt })).status).toBe(409);
  });

  it('portal: a key regenerated on A stops working on B while the other key works; a portal session made on A is signed in on B', async () => {
    const m = (await a.call('POST', '/devkit/v1/merchants', { body: { name: 'Shared portal shop' } })).body;
    const getToken = (emu: TestEmulator, key: string) =>
      fetch(`${emu.url}/accesstoken/get`, { method: 'POST', headers: { client_id: m.clientId, client_secret: m.clientSecret, 'Ocp-Apim-Subscription-Key': key } }).then((r) => r.status);
    await expect.poll(() => getToken(b, m.subscriptionKey), poll).toBe(200);
    expect((await a.call('POST', `/devkit/v1/merchants/${m.msn}/keys/primarySubscriptionKey/regenerate`)).status).toBe(200);
    await expect.poll(() => getToken(b, m.subscriptionKey), poll).toBe(401);
    expect(await getToken(b, m.secondarySubscriptionKey)).toBe(200);

    const form = (body: string, cookie?: string) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }, body });
    const signIn = await fetch(`${a.url}/portal/login`, form('phoneNumber=4791234567'));
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    await fetch(`${b.url}/portal/login/bankid`, form('decision=confirm', cookie));
    const home = await (await fetch(`${a.url}/portal`, { headers: { cookie } })).text();
    expect(home).toContain('Signed in as Kari Nordmann');
  });

  it('a merchant\'s reset on A removes its payments for B too; a whole reset on B restarts A\'s clock', async () => {
    const { reference } = await a.createPayment();
    expect((await b.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(200);
    expect((await a.call('POST', `/devkit/v1/merchants/${a.merchant.msn}/reset`)).status).toBe(200);
    expect((await b.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(404);

    await a.call('POST', '/devkit/v1/clock/advance', { body: { duration: '1m' } });
    await expect.poll(async () => (await b.call('GET', '/devkit/v1/clock')).body.offsetMilliseconds, poll).toBeGreaterThanOrEqual(60_000);
    expect((await b.call('POST', '/devkit/v1/reset')).status).toBe(200);
    await expect.poll(async () => (await a.call('GET', '/devkit/v1/clock')).body.offsetMilliseconds, poll).toBe(0);
  });

  // Last: it moves the clock by days, which expires the instances' access tokens.
  it('Recurring: drafted on A, accepted on B, paged across both, and a due charge taken exactly once by the two calendars', async () => {
    const ra = refreshingTokens(a);
    const rb = refreshingTokens(b);
    const key = () => randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const d = await ra.call('POST', '/recurring/v3/agreements', { idempotencyKey: key(), body: draftBody({ productName: `Shared ${i}` }) });
      expect(d.status, d.text).toBe(201);
      expect((await rb.call('PATCH', `/recurring/v3/agreements/${d.body.agreementId}/accept`, { idempotencyKey: key(), body: { phoneNumber: '4791234567' } })).status).toBe(204);
      ids.push(d.body.agreementId);
    }
    expect((await ra.call('GET', `/recurring/v3/agreements/${ids[0]}`)).body.status).toBe('ACTIVE');
    // A Continuation-Token from A is good on B.
    const first = await ra.call('GET', '/recurring/v3/agreements?pageSize=2');
    const token = first.headers.get('continuation-token');
    expect(token).toBeTruthy();
    const rest = await rb.call('GET', '/recurring/v3/agreements?pageSize=2', { headers: { 'continuation-token': token! } });
    expect(rest.status, rest.text).toBe(200);
    expect([...first.body, ...rest.body].map((x: { id: string }) => x.id).filter((id: string) => ids.includes(id))).toEqual(ids);

    const due = new Date(a.ctx.clock.now().getTime() + 2 * 86_400_000).toISOString().slice(0, 10);
    const c = await ra.call('POST', `/recurring/v3/agreements/${ids[0]}/charges`, { idempotencyKey: key(), body: { amount: 2500, transactionType: 'DIRECT_CAPTURE', description: 'Shared', due, retryDays: 1 } });
    expect(c.status, c.text).toBe(201);
    await ra.call('POST', '/devkit/v1/clock/advance', { body: { duration: '4d' } });
    await expect.poll(async () => (await rb.call('GET', `/recurring/v3/agreements/${ids[0]}/charges/${c.body.chargeId}`)).body.status, poll).toBe('CHARGED');
    // Both instances' calendars ran; the charge was taken once.
    await rb.call('POST', '/devkit/v1/recurring/process');
    const charged = (await ra.call('GET', `/recurring/v3/charges/${c.body.chargeId}`)).body;
    expect(charged.history.filter((h: { event: string }) => h.event === 'CAPTURE')).toHaveLength(1);
    expect(charged.summary.captured).toBe(2500);
  });
  // Last: its jump past midnight expires the access tokens the tests before it use.
  it('settlements: a capture booked through A is on the ledger B reads; the day A closes is settled once, and B reports it', async () => {
    const msn = a.merchant.msn;
    const reference = `settle-${randomUUID().slice(0, 8)}`;
    const booked = await a.call('POST', `/devkit/v1/settlements/units/${msn}/transactions`, { body: { kind: 'capture', amount: 250_00, reference } });
    expect(booked.status, booked.text).toBe(201);
    const waiting = await b.call('GET', `/devkit/v1/settlements/units/${msn}/transactions?waiting=true`);
    expect(waiting.body.transactions.map((t: any) => t.orderId)).toContain(reference);
    // Past Oslo midnight on A: both instances run the clock's work; the unit's row lock lets one of them close the day.
    const now = new Date((await a.call('GET', '/devkit/v1/clock')).body.now);
    const date = ledgerDateOf(now, 0);
    const ms = ledgerDateEnd(date, 0).getTime() - now.getTime() + 1_000;
    expect((await a.call('POST', '/devkit/v1/clock/advance', { body: { milliseconds: ms } })).status).toBe(200);
    await expect.poll(async () => (await b.call('GET', `/devkit/v1/settlements?msn=${msn}&from=${date}&to=${date}`)).body.settlements.length, poll).toBe(1);
    const [settlement] = (await b.call('GET', `/devkit/v1/settlements?msn=${msn}&from=${date}&to=${date}`)).body.settlements;
    expect(settlement.numberOfTransactions).toBeGreaterThanOrEqual(1);
    const lines = (await b.call('GET', `/devkit/v1/settlements/units/${msn}/settlements/${settlement.settlementId}/transactions`)).body.transactions;
    expect(lines.map((t: any) => t.orderId)).toContain(reference);
    // Report API on B, with a token fetched after the jump.
    const token = await b.fetchToken();
    const headers = { authorization: `Bearer ${token}`, 'merchant-serial-number': undefined };
    const ledgerId = (await b.call('GET', '/settlement/v1/ledgers', { headers })).body.items[0].ledgerId;
    const funds = await b.call('GET', `/report/v2/ledgers/${ledgerId}/funds/dates/${date}`, { headers });
    expect(funds.status, funds.text).toBe(200);
    expect(funds.body.items.filter((e: any) => e.entryType === 'scheduled-for-payout')).toHaveLength(1);
  });
});
