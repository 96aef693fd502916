// What official clients send that a strict server trips over (issue 12): numbers in string fields,
// trailing slashes, unknown paths and methods with any body. See docs/decisions.md, Official clients.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/apis/index.js';
import { http, startTestEmulator, type ApiResponse, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

/** Sends a raw body (or none) as the seeded merchant. */
const raw = (method: string, path: string, body?: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
  http(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${emu.token}`,
      'ocp-apim-subscription-key': emu.merchant.subscriptionKey,
      'merchant-serial-number': emu.merchant.msn,
      ...(body === undefined ? {} : { 'content-type': contentType }),
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });

describe('numbers where the ePayment API wants strings', () => {
  /** The create body as the ePayment collection writes it: reference and phone number as JSON numbers. */
  const createBody = (reference: string, phone: string | number = 4791234567) =>
    `{"amount":{"value":49900,"currency":"NOK"},"paymentMethod":{"type":"WALLET"},"customer":{"phoneNumber":${JSON.stringify(phone)}},"reference":${reference},"userFlow":"WEB_REDIRECT","returnUrl":"https://example.com/redirect?reference=${reference.replace(/"/g, '')}","paymentDescription":"Purchase of socks"}`;

  it('a 19-digit reference sent as a JSON number round-trips exactly: create, force approve, get, events, an idempotent replay', async () => {
    const reference = `${emu.merchant.msn}${String(Date.now()).padStart(13, '0')}`.slice(0, 19);
    expect(reference).toMatch(/^\d{19}$/);
    expect(String(Number(reference))).not.toBe(reference); // beyond what a double holds
    const created = await raw('POST', '/epayment/v1/payments', createBody(reference), 'application/json', { 'idempotency-key': randomUUID() });
    expect(created.status, created.text).toBe(201);
    expect(created.text).toContain(`"reference":"${reference}"`);
    const approve = await raw('POST', `/epayment/v1/test/payments/${reference}/approve`, '{"customer":{"phoneNumber":4791234567}}');
    expect(approve.status, approve.text).toBe(200);
    const got = await emu.call('GET', `/epayment/v1/payments/${reference}`);
    expect(got.body.reference).toBe(reference);
    expect(got.body.state).toBe('AUTHORIZED');
    const events = await emu.call('GET', `/epayment/v1/payments/${reference}/events`);
    expect(events.body.map((e: { reference: string }) => e.reference)).toEqual([reference, reference]);
    // The same create sent again with its key is a replay, however the number is written.
    const key = randomUUID();
    const other = `${reference.slice(0, 18)}${(Number(reference.at(-1)) + 1) % 10}`;
    const first = await raw('POST', '/epayment/v1/payments', createBody(other), 'application/json', { 'idempotency-key': key });
    const replay = await raw('POST', '/epayment/v1/payments', createBody(`"${other}"`, '4791234567'), 'application/json', { 'idempotency-key': key });
    expect([first.status, replay.status]).toEqual([201, 201]);
    expect(replay.body).toEqual(first.body);
  });

  it('a string where a number belongs is still 400, in every API', async () => {
    const ePayment = await raw('POST', '/epayment/v1/payments', createBody('"order-string-amount"').replace('"value":49900', '"value":"49900"'), 'application/json', { 'idempotency-key': randomUUID() });
    expect(ePayment.status).toBe(400);
    expect(ePayment.body.extraDetails).toContainEqual({ name: 'amount.value', reason: 'must be integer' });
    const capture = await raw('POST', '/epayment/v1/payments/order-string-amount/capture', '{"modificationAmount":{"value":"100","currency":"NOK"}}', 'application/json', { 'idempotency-key': randomUUID() });
    expect(capture.status).toBe(400);
    const ecom = await emu.call('POST', '/ecomm/v2/payments', {
      body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/' }, customerInfo: {}, transaction: { orderId: 'order-string-1', amount: '1000', transactionText: 'x' } },
    });
    expect(ecom.status).toBe(400);
    expect(ecom.body[0]).toMatchObject({ errorGroup: 'InvalidRequest', errorCode: 'transaction.amount' });
  });

  it('a validation error names the field, not the schema\'s union wording ("must be null", "anyOf")', async () => {
    const res = await raw('POST', '/epayment/v1/test/payments/order-union-1/approve', '{"customer":{"phoneNumber":"abc"}}');
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('One or more validation errors occurred. customer.phoneNumber: must match pattern "^\\d{10,15}$"');
    const ecom = await raw('POST', '/ecomm/v2/integration-test/payments/order-union-1/approve', '{"customerPhoneNumber":"12"}');
    expect(ecom.body[0].errorMessage).not.toMatch(/null|anyOf/);
    const array = await raw('POST', '/epayment/v1/payments/order-union-1/cancel', '[]', 'application/json', { 'idempotency-key': randomUUID() });
    expect(array.body.extraDetails).toEqual([{ name: 'body', reason: 'must be object' }]);
  });

  it('eCom keeps refusing numbers in its string fields (MT answers them with a 500, decision 78)', async () => {
    const res = await raw('POST', '/ecomm/v2/payments', JSON.stringify({ merchantInfo: { merchantSerialNumber: Number(emu.merchant.msn), callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/' }, customerInfo: {}, transaction: { orderId: 'order-number-msn', amount: 1000, transactionText: 'x' } }));
    expect(res.status).toBe(400);
    expect(res.body[0]).toMatchObject({ errorGroup: 'InvalidRequest', errorCode: 'merchantInfo.merchantSerialNumber' });
  });
});

describe('trailing slashes', () => {
  /** Every route of the app, from Fastify's own route tree: [method, path]. */
  function routes(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const stack: string[] = [];
    for (const line of emu.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^([│ ]*)[├└]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      stack.length = depth;
      const path = (stack[depth - 1] ?? '') + m[2]!;
      stack[depth] = path;
      for (const method of m[3]!.split(', ')) out.push([method, path]);
    }
    return out;
  }

  it('every route of every module answers with a slash at the end as without', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(60);
    const missed = all
      // A catch-all (the docs page's static files, `…/docs*`) answers any suffix by itself.
      .filter(([, path]) => !path.endsWith('*'))
      .map(([method, path]) => [method, path.replace(/:[A-Za-z]+/g, 'abcdef1234')] as const)
      .filter(([method, path]) => path !== '/' && emu.app.findRoute({ method, url: `${path}/` }) === null);
    expect(missed).toEqual([]);
    // Every module is in the tree (one of its prefixes starts a route).
    for (const module of MODULES) expect(all.some(([, p]) => module.prefixes.some((prefix) => p.startsWith(prefix.replace(/\/$/, '')))), module.name).toBe(true);
  });

  it('each API answers a request with a trailing slash like the one without', async () => {
    const { reference } = await emu.createPayment();
    const pairs: Array<[string, string, string | undefined]> = [
      ['GET', `/epayment/v1/payments/${reference}`, undefined],
      ['GET', '/webhooks/v1/webhooks', undefined],
      ['GET', '/qr/v1/merchant-redirect', undefined],
      ['GET', '/api/v2/summary.json', undefined],
      ['GET', '/accesstoken/jwks', undefined],
      ['GET', '/devkit/v1/merchants', undefined],
      ['GET', '/app', undefined],
    ];
    for (const [method, path, body] of pairs) {
      const accept: Record<string, string> = path.startsWith('/qr/') ? { accept: 'image/svg+xml' } : {};
      const [plain, slash] = [await raw(method, path, body, 'application/json', accept), await raw(method, `${path}/`, body, 'application/json', accept)];
      expect(slash.status, `${method} ${path}/`).toBe(plain.status);
      expect(plain.status, `${method} ${path}`).toBe(200);
    }
    // The eCom collection's initiate: POST /ecomm/v2/payments/
    const initiate = await emu.call('POST', '/ecomm/v2/payments/', {
      body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://example.com/cb', fallBack: 'https://example.com/' }, customerInfo: {}, transaction: { orderId: 'order-slash-1', amount: 1000, transactionText: 'Slash' } },
    });
    expect(initiate.status, initiate.text).toBe(200);
    const token = await http(`${emu.url}/accesstoken/get/`, { method: 'POST', headers: { client_id: emu.merchant.clientId, client_secret: emu.merchant.clientSecret, 'ocp-apim-subscription-key': emu.merchant.subscriptionKey } });
    expect(token.status).toBe(200);
  });
});

describe('unknown paths and methods: 404 and 405 in the owning API\'s shape, whatever the body', () => {
  type Shape = (res: ApiResponse, status: number) => void;
  const problem: Shape = (res, status) => {
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, type: `https://httpstatuses.io/${status}` });
  };
  const shapes: Record<string, { base: string; shape: Shape; known?: [string, string] }> = {
    accesstoken: { base: '/accesstoken/', known: ['PUT', '/accesstoken/get'], shape: (res, status) => expect(res.body).toEqual({ statusCode: status, message: expect.any(String) }) },
    epayment: { base: '/epayment/v1/', known: ['DELETE', '/epayment/v1/payments/order-405-1'], shape: problem },
    webhooks: { base: '/webhooks/v1/', known: ['PUT', '/webhooks/v1/webhooks'], shape: problem },
    userside: { base: '/app-switch/', known: ['DELETE', '/app'], shape: (res) => expect(res.headers.get('content-type')).toMatch(/^text\/html/) },
    portal: { base: '/portal/', known: ['DELETE', '/portal/companies/new'], shape: (res) => expect(res.headers.get('content-type')).toMatch(/^text\/html/) },
    ecom: {
      base: '/ecomm/v2/',
      known: ['DELETE', '/ecomm/v2/payments/order-405-1/capture'],
      shape: (res) => {
        expect(Array.isArray(res.body), res.text).toBe(true);
        expect(res.body[0]).toMatchObject({ errorGroup: 'InvalidRequest', errorMessage: expect.any(String), contextId: expect.any(String) });
      },
    },
    qr: { base: '/qr/v1/', known: ['PATCH', '/qr/v1/merchant-redirect'], shape: (res) => expect(res.body).toMatchObject({ type: expect.stringContaining('rfc7231'), title: expect.any(String), instance: expect.any(String) }) },
    userinfo: { base: '/vipps-userinfo-api/', known: ['POST', '/vipps-userinfo-api/userinfo/c06c4afe-d9e1-4c5d-939a-177d752a0944'], shape: (res, status) => expect(res.body).toMatchObject({ status: String(status), title: expect.any(String), instance: expect.any(String) }) },
    status: { base: '/api/v2/', known: ['POST', '/api/v2/summary.json'], shape: problem },
    recurring: {
      base: '/recurring/v3/',
      known: ['PUT', '/recurring/v3/agreements'],
      shape: (res, status) => {
        expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
        expect(res.body).toMatchObject({ status, type: expect.stringContaining('recurring-api-problems#'), instance: expect.any(String), contextId: expect.any(String) });
      },
    },
    login: { base: '/access-management-1.0/access/', known: ['DELETE', '/access-management-1.0/access/oauth2/token'], shape: (res) => expect(res.body).toEqual({ error: expect.any(String), error_description: expect.any(String) }) },
    checkout: {
      base: '/checkout/v3/',
      known: ['DELETE', '/checkout/v3/session'],
      shape: (res, status) => expect(res.body).toMatchObject({ status, errorCode: expect.any(String), errors: expect.any(Object) }),
    },
    settlements: {
      base: '/report/v2/',
      known: ['POST', '/settlement/v1/ledgers'],
      shape: (res, status) => {
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), instance: expect.any(String) });
      },
    },
    ordermanagement: {
      base: '/order-management/v9/',
      known: ['PATCH', '/order-management/v3/categories'],
      shape: (res) => expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), detail: expect.any(String), instance: expect.any(String) }),
    },
  };
  /** The bodies official clients send: none, an empty JSON body (the SDK's DELETE), JSON, text, broken JSON. */
  const bodies: Array<[string, string | undefined, string]> = [
    ['no body', undefined, 'application/json'],
    ['an empty JSON body', '', 'application/json'],
    ['a JSON body', '{"a":1}', 'application/json'],
    ['a text/plain body', 'hello', 'text/plain'],
    ['malformed JSON', '{"a":', 'application/json'],
  ];

  it('covers every module of the registry', () => {
    expect(Object.keys(shapes).sort()).toEqual(MODULES.map((m) => m.name).sort());
  });

  for (const [name, { base, shape, known }] of Object.entries(shapes)) {
    it(`${name}: 404 for an unknown path, 405 with Allow for a known path and another method`, async () => {
      for (const [what, body, type] of bodies) {
        for (const method of ['DELETE', 'POST']) {
          const res = await raw(method, `${base}no-such-thing/${randomUUID()}`, body, type);
          expect(res.status, `${method} with ${what}: ${res.text.slice(0, 200)}`).toBe(404);
          shape(res, 404);
        }
        if (!known) continue;
        const [method, path] = known;
        const res = await raw(method, path, body, type);
        expect(res.status, `${method} ${path} with ${what}: ${res.text.slice(0, 200)}`).toBe(405);
        expect(res.headers.get('allow')).toMatch(/^[A-Z]+(, [A-Z]+)*$/);
        shape(res, 405);
      }
    });
  }

  it('a JSON-only API answers 415 for text/plain on a route that takes a body', async () => {
    const res = await raw('POST', '/epayment/v1/payments', 'hello', 'text/plain', { 'idempotency-key': randomUUID() });
    expect(res.status).toBe(415);
    const ecom = await raw('POST', '/ecomm/v2/payments', 'hello', 'text/plain');
    expect(ecom.status).toBe(415);
    expect(ecom.body[0]).toMatchObject({ errorCode: 'Content-Type' });
  });
});
