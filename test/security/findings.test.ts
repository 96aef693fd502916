/**
 * Regression tests of issue 13's findings (an independent probe of the emulator): each reproduces
 * the probe's request and checks the answer the emulator promises in docs/security.md. Findings 2
 * and 3 and the data-directory part of 1 are in admin-token, slow-clients and startup.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, shapeProblems } from '../helpers/error-shapes.js';
import { http, newKey, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const control = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
  http(`${emu.url}/devkit/v1${path}`, {
    method,
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

/** fetch() sets Host itself: requests that name another host go through undici's request(). */
async function asHost(url: string, host: string, method = 'GET') {
  const res = await undiciRequest(url, { method: method as 'GET', headers: { host } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: new Headers(res.headers as Record<string, string>), text };
}

const answerOf = (r: { status: number; headers: Headers; text: string }) => ({ status: r.status, contentType: r.headers.get('content-type') ?? '', text: r.text });

describe('finding 1: a clock jump past the Date range is refused before anything is saved', () => {
  for (const body of [{ seconds: 9007199254740993 }, { duration: '999999999d' }, { milliseconds: 1e300 }, { duration: 'P99999999D' }]) {
    it(`${JSON.stringify(body)} → 400, the clock, the saved offset and tokens unchanged`, async () => {
      const before = await control('GET', '/clock');
      const res = await control('POST', '/clock/advance', { body });
      expect(res.status, res.text).toBe(400);
      expect(shapeProblems('/devkit/v1/clock/advance', answerOf(res))).toEqual([]);
      const after = await control('GET', '/clock');
      expect(after.body.offsetMilliseconds).toBe(before.body.offsetMilliseconds);
      const saved = await emu.ctx.database.db.selectFrom('settings').select('value').where('key', '=', 'clock_offset_ms').executeTakeFirst();
      expect(Number(saved?.value ?? 0)).toBe(before.body.offsetMilliseconds);
      // Tokens still work, and new ones are issued.
      expect((await emu.call('GET', '/epayment/v1/payments/order-not-there-1')).status).toBe(404);
      expect(await emu.fetchToken()).toMatch(/^ey/);
    });
  }

  it('a jump up to the end of year 9999 is allowed; one millisecond more is not', async () => {
    const other = await startTestEmulator();
    try {
      const now = Date.parse((await http(`${other.url}/devkit/v1/clock`, {})).body.now);
      const toEnd = Date.UTC(9999, 11, 31, 23, 59, 0) - now;
      const ok = await http(`${other.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ milliseconds: toEnd }) });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.body.now).toMatch(/^9999-12-31T23:59/);
      const beyond = await http(`${other.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ duration: '1h' }) });
      expect(beyond.status, beyond.text).toBe(400);
      // Everything still answers at the end of time.
      expect((await http(`${other.url}/accesstoken/get`, { method: 'POST', headers: { client_id: other.merchant.clientId, client_secret: other.merchant.clientSecret, 'ocp-apim-subscription-key': other.merchant.subscriptionKey } })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('finding 4: the control API checks Host and refuses cross-site state changes', () => {
  it('a foreign Host (DNS rebinding) gets 403, not the client secrets', async () => {
    const res = await asHost(`${emu.url}/devkit/v1/merchants`, 'rebind.attacker.example');
    expect(res.status).toBe(403);
    expect(res.text).not.toContain(emu.merchant.clientSecret);
    expect(shapeProblems('/devkit/v1/merchants', answerOf(res))).toEqual([]);
    // The simulated app's pages too.
    const page = await asHost(`${emu.url}/app/4797777776`, 'rebind.attacker.example:80');
    expect(page.status).toBe(403);
    expect(shapeProblems('/app/4797777776', answerOf(page))).toEqual([]);
  });

  it('localhost, *.localhost, 127.0.0.0/8 and ::1 are answered', async () => {
    const port = new URL(emu.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `127.1.2.3:${port}`, `[::1]:${port}`, `devkit.localhost:${port}`]) {
      expect((await asHost(`${emu.url}/devkit/v1/merchants`, host)).status, host).toBe(200);
    }
  });

  it('a bodyless POST /devkit/v1/reset from another site\'s page is refused and resets nothing', async () => {
    const { reference } = await emu.createPayment();
    for (const headers of [{ origin: 'https://attacker.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site', origin: emu.url }] as Record<string, string>[]) {
      const res = await control('POST', '/reset', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(shapeProblems('/devkit/v1/reset', answerOf(res))).toEqual([]);
    }
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(200);
    // The simulated app's forms from another site: refused too.
    const form = await http(`${emu.url}/landing`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' }, body: 'token=abcdefgh&action=cancel' });
    expect(form.status).toBe(403);
  });

  it('the same site, the user (Sec-Fetch-Site: none) and non-browser clients may change state', async () => {
    for (const headers of [{ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'none' }, { origin: emu.url }, {}] as Record<string, string>[]) {
      expect((await control('POST', '/clock/advance', { body: { seconds: 1 }, headers })).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('names given with allowedHosts (serve --allowed-host) are answered', async () => {
    const other = await startTestEmulator({ allowedHosts: ['devkit.test', '.corp.example'] });
    try {
      for (const [host, status] of [['devkit.test', 200], ['a.corp.example', 200], ['corp.example', 200], ['evil.test', 403]] as const) {
        expect((await asHost(`${other.url}/devkit/v1/merchants`, host)).status, host).toBe(status);
      }
    } finally {
      await other.close();
    }
  });

  it('the APIs answer any Host: they authenticate every call (and apitest.vipps.no reaches them through the built-in DNS)', async () => {
    const res = await undiciRequest(`${emu.url}/epayment/v1/payments/order-not-there-2`, {
      headers: { host: 'rebind.attacker.example', authorization: `Bearer ${emu.token}`, 'ocp-apim-subscription-key': emu.merchant.subscriptionKey, 'merchant-serial-number': emu.merchant.msn },
    });
    await res.body.text();
    expect(res.statusCode).toBe(404);
  });
});

const ecomInitiate = (fallBack = 'https://shop.example/fallback') => ({
  merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://shop.example/cb', fallBack },
  customerInfo: {},
  transaction: { orderId: `o-${randomUUID().slice(0, 12)}`, amount: 1000, transactionText: 'Socks' },
});

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('finding 5: JSON nested 10,000 deep is a 400 in the API\'s shape, never a 500', () => {
  it('ePayment create, capture, refund and cancel with an Idempotency-Key', async () => {
    const { reference } = await emu.createPayment();
    const bodies: Array<[string, string]> = [
      ['/epayment/v1/payments', `{"amount":${deep(10_000)}}`],
      [`/epayment/v1/payments/${reference}/capture`, `{"modificationAmount":${deep(10_000)}}`],
      [`/epayment/v1/payments/${reference}/refund`, `{"modificationAmount":${deep(10_000)}}`],
      [`/epayment/v1/payments/${reference}/cancel`, `{"cancelTransactionOnly":${deep(10_000)}}`],
      [`/epayment/v1/payments/${reference}/cancel`, `{"a":${deep(33)}}`],
    ];
    for (const [path, rawBody] of bodies) {
      const res = await emu.call('POST', path, { rawBody, idempotencyKey: newKey() });
      expect(res.status, `${path}: ${res.text}`).toBe(400);
      expect(shapeProblems(path, answerOf(res))).toEqual([]);
      expect(res.body.detail).toMatch(/deeper than 32/);
    }
  });

  it('eCom and the control API: the same limit, in their shapes', async () => {
    // eCom ignores unknown fields: without the limit this initiate would be accepted.
    const ecom = await emu.call('POST', '/ecomm/v2/payments', { rawBody: JSON.stringify(ecomInitiate()).replace(/}$/, `,"extra":${deep(5_000)}}`) });
    expect(ecom.status, ecom.text).toBe(400);
    expect(shapeProblems('/ecomm/v2/payments', answerOf(ecom))).toEqual([]);
    const ctl = await http(`${emu.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"seconds":${deep(5_000)}}` });
    expect(ctl.status).toBe(400);
    expect(shapeProblems('/devkit/v1/clock/advance', answerOf(ctl))).toEqual([]);
  });

  it('32 levels are accepted as JSON (then validated as usual)', async () => {
    const res = await emu.call('POST', `/epayment/v1/payments/order-not-there-3/cancel`, { rawBody: `{"x":${deep(31)}}`, idempotencyKey: newKey() });
    expect(res.status).toBe(404);
  });

  it('strings, arrays and objects beyond the documented limits are a 400 too (in fields the API would ignore)', async () => {
    const extras = ['x'.repeat(10_001), new Array(1_001).fill(0), Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i]))];
    for (const extra of extras) {
      const { response } = await emu.createPayment({ extra });
      expect(response.status, response.text.slice(0, 200)).toBe(400);
      expect(shapeProblems('/epayment/v1/payments', answerOf(response))).toEqual([]);
    }
    // At the limits: accepted (unknown fields are ignored, decision 32).
    expect((await emu.createPayment({ extra: ['x'.repeat(10_000), new Array(998).fill(0)] })).response.status).toBe(201);
  });
});

describe('finding 6: a query value is never a key into Object.prototype', () => {
  for (const notice of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`/app/4797777776?notice=${notice} → 200, the app without a notice`, async () => {
      const res = await http(`${emu.url}/app/4797777776?notice=${notice}&ref=x`, {});
      expect(res.status, res.text.slice(0, 300)).toBe(200);
    });
  }
});

describe('finding 7: concurrent resets are serialised', () => {
  // On a SQLite file (as `serve` runs), where unserialised resets raced on request_server_state's rows.
  it('rounds of eight POST /devkit/v1/reset at once all answer 200', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'devkit-resets-'));
    const other = await startTestEmulator({ database: { kind: 'sqlite', file: path.join(dir, 'devkit.sqlite') } });
    try {
      const statuses: number[] = [];
      for (let round = 0; round < 5; round += 1) {
        await other.createPayment();
        const answers = await Promise.all(Array.from({ length: 8 }, () => http(`${other.url}/devkit/v1/reset`, { method: 'POST' })));
        statuses.push(...answers.map((a) => a.status));
      }
      expect(statuses).toEqual(Array(40).fill(200));
      // The request servers were set up once, and the emulator still works.
      expect((await http(`${other.url}/devkit/v1/request-servers`, {})).status).toBe(200);
      expect((await other.createPayment()).response.status).toBe(201);
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const port = () => Number(new URL(emu.url).port);
const bigHeader = `x-padding: ${'a'.repeat(20_000)}\r\n`;

describe('finding 8: a 431 says Connection: close, and a keep-alive client loses nothing', () => {
  it('the 431 carries Connection: close and the API\'s body', async () => {
    const res = await rawExchange(port(), `GET /epayment/v1/payments/order-12345678 HTTP/1.1\r\nHost: 127.0.0.1\r\n${bigHeader}\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers.connection).toBe('close');
    expect(shapeProblems('/epayment/v1/payments/order-12345678', res)).toEqual([]);
  });

  it('a keep-alive client\'s next request after a 431 is answered', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 10_000 });
    try {
      const first = await undiciRequest(`${emu.url}/devkit/v1/clock`, { dispatcher: agent });
      await first.body.text();
      const big = await undiciRequest(`${emu.url}/devkit/v1/clock`, { dispatcher: agent, headers: { 'x-padding': 'a'.repeat(20_000) } });
      expect(big.statusCode).toBe(431);
      expect(big.headers.connection).toBe('close');
      await big.body.text();
      const next = await undiciRequest(`${emu.url}/devkit/v1/clock`, { dispatcher: agent });
      expect(next.statusCode).toBe(200);
      await next.body.text();
    } finally {
      await agent.close();
    }
  });
});

describe('finding 9: errors raised before routing come in the owning API\'s shape', () => {
  const long = 'a'.repeat(300);
  const paths = [
    '/epayment/v1/payments/%ZZ',
    `/epayment/v1/payments/${long}`,
    '/ecomm/v2/payments/%ZZ/details',
    `/ecomm/v2/payments/${long}/details`,
    '/webhooks/v1/webhooks/%ZZ',
    '/accesstoken/get/%ZZ',
    '/app/%ZZ',
    `/app/${long}`,
    '/devkit/v1/users/%ZZ',
    `/devkit/v1/users/${long}`,
  ];
  for (const path of paths) {
    it(`${path.slice(0, 60)} → 400 in its API's shape`, async () => {
      const res = await http(`${emu.url}${path}`, { method: path.startsWith('/accesstoken') ? 'POST' : 'GET' });
      expect(res.status, res.text.slice(0, 300)).toBe(400);
      expect(shapeProblems(path, answerOf(res))).toEqual([]);
    });
  }

  for (const path of ['/epayment/v1/payments', '/ecomm/v2/payments', '/accesstoken/get', '/app/4797777776', '/devkit/v1/merchants', '/webhooks/v1/webhooks']) {
    it(`oversized headers on ${path} → 431 in its API's shape`, async () => {
      const res = await rawExchange(port(), `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${bigHeader}\r\n`);
      expect(res.status).toBe(431);
      expect(shapeProblems(path, res)).toEqual([]);
    });
  }

  it('malformed HTTP (duplicate Content-Length, bad header bytes) → 400 in the API\'s shape, Connection: close', async () => {
    for (const bytes of [
      'POST /epayment/v1/payments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}',
      'GET /ecomm/v2/payments/x/details HTTP/1.1\r\nHost: 127.0.0.1\r\nBad\u0000Header: 1\r\n\r\n',
    ]) {
      const res = await rawExchange(port(), bytes);
      expect(res.status, res.text).toBe(400);
      expect(res.headers.connection).toBe('close');
      expect(shapeProblems(bytes.split(' ')[1]!, res)).toEqual([]);
    }
  });

  it('an HTTP/1.1 request without Host → 400 in the API\'s shape', async () => {
    const res = await rawExchange(port(), 'GET /ecomm/v2/payments/x/details HTTP/1.1\r\n\r\n');
    expect(res.status).toBe(400);
    expect(shapeProblems('/ecomm/v2/payments/x/details', res)).toEqual([]);
  });
});

describe('note: return URLs are an allowlist of schemes', () => {
  const refused = ['vbscript:msgbox(1)', 'VBScript:msgbox(1)', 'javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'blob:https://x/y', 'ws://shop.example', 'http://shop.example/return', 'https://user:pw@shop.example/', `https://shop.example/${'a'.repeat(2100)}`];
  const accepted = ['https://shop.example/return', 'http://localhost:3000/r', 'http://127.0.0.5/r', 'http://[::1]:8080/r', 'myshop://return', 'vippsMT://x', 'com.example.app:/oauth'];
  it('ePayment returnUrl', async () => {
    for (const returnUrl of refused) {
      const { response } = await emu.createPayment({ returnUrl });
      expect(response.status, returnUrl).toBe(400);
      expect(response.body.title).toBe('Invalid URL');
    }
    for (const returnUrl of accepted) expect((await emu.createPayment({ returnUrl })).response.status, returnUrl).toBe(201);
  });

  it('eCom fallBack', async () => {
    for (const fallBack of ['vbscript:msgbox(1)', 'vbscript://%0Amsgbox(1)', 'javascript://%0Aalert(1)', 'data://text/html,x', 'blob://x']) {
      const res = await emu.call('POST', '/ecomm/v2/payments', { body: ecomInitiate(fallBack) });
      expect(res.status, fallBack).toBe(400);
      expect(res.body[0]).toMatchObject({ errorGroup: 'InvalidRequest', errorCode: 'merchantInfo.fallBack' });
    }
    for (const fallBack of ['https://shop.example/fb', 'myshop://result', 'http://127.0.0.1:3000/fb', 'INTENT']) {
      expect((await emu.call('POST', '/ecomm/v2/payments', { body: ecomInitiate(fallBack) })).status, fallBack).toBe(200);
    }
  });
});

describe('note: the JSON body parser refuses __proto__ and constructor.prototype (prototype poisoning)', () => {
  // Each poison in a body the API would otherwise accept (ePayment and eCom ignore unknown fields).
  const poisons = ['"__proto__":{"polluted":true}', '"\\u005f_proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}'];
  for (const poison of poisons) {
    it(`{…, ${poison}} → 400 in each API's shape, nothing polluted`, async () => {
      const create = JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference: `order-${randomUUID().slice(0, 18)}`, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' });
      const api = await emu.call('POST', '/epayment/v1/payments', { rawBody: create.replace(/}$/, `,${poison}}`), idempotencyKey: newKey() });
      expect(api.status, api.text).toBe(400);
      expect(shapeProblems('/epayment/v1/payments', answerOf(api))).toEqual([]);
      const nested = await emu.call('POST', '/epayment/v1/payments', { rawBody: create.replace(/}$/, `,"extra":{${poison}}}`), idempotencyKey: newKey() });
      expect(nested.status, nested.text).toBe(400);
      const ecom = await emu.call('POST', '/ecomm/v2/payments', { rawBody: JSON.stringify(ecomInitiate()).replace(/}$/, `,${poison}}`) });
      expect(ecom.status, ecom.text).toBe(400);
      expect(shapeProblems('/ecomm/v2/payments', answerOf(ecom))).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('"constructor" as an ordinary key is fine', async () => {
    const { response } = await emu.createPayment({ metadata: { constructor: 'x' } });
    expect(response.status, response.text).toBe(201);
  });
});
