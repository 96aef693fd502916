/**
 * The fuzz suite (issue 13): every served route with requests fast-check draws from its own schema
 * (valid, broken in one place, anything at all; nasty path parameters, queries and headers), a
 * sweep of Object.prototype's names through every field of every route, and a table of malformed input sent as raw bytes (invalid JSON, wrong content types, deep nesting, huge
 * bodies, unicode and NUL bytes, path traversal, duplicate and oversized headers, broken HTTP).
 * Promise: no 5xx, no hang, every error in its API's documented shape (test/helpers/error-shapes.ts).
 *
 * In CI (`npm test`): a fixed seed and a bounded count. `npm run fuzz` runs long
 * (DEVKIT_FUZZ_RUNS per route, DEVKIT_FUZZ_SEED to replay another seed).
 */
import fc from 'fast-check';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf, type ServedRoute } from '../../src/server/app.js';
import { rawExchange, shapeProblems, type Answer } from '../helpers/error-shapes.js';
import { http, newKey, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { anyJson, bodyFor, mutated, nastyString, valid } from './arbitraries.js';

const RUNS = Number(process.env.DEVKIT_FUZZ_RUNS ?? 12);
const SEED = Number(process.env.DEVKIT_FUZZ_SEED ?? 13);
const LONG = process.env.DEVKIT_FUZZ_RUNS !== undefined;
const TIMEOUT_MS = 10_000;

let emu: TestEmulator;
let agent: Agent;
let token = '';
const pool = { references: [] as string[], orderIds: [] as string[], tokens: [] as string[], phones: ['4797777776', '4791234567'], webhookIds: [] as string[] };

const stats = { schema: 0, sweep: 0, malformed: 0, byClass: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 } as Record<string, number>, hangs: 0, noAnswer: 0 };

beforeAll(async () => {
  emu = await startTestEmulator();
  agent = new Agent({ keepAliveTimeout: 1_000, connections: 8 });
  await refill();
});

afterAll(async () => {
  const total = stats.schema + stats.sweep + stats.malformed;
  const classes = Object.entries(stats.byClass).filter(([k, v]) => v > 0 || k === '5xx').map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ');
  console.log(`fuzz (seed ${SEED}, ${RUNS} runs per route): ${total.toLocaleString('en-US')} requests (${stats.schema.toLocaleString('en-US')} from route schemas, ${stats.sweep.toLocaleString('en-US')} prototype-name sweep, ${stats.malformed.toLocaleString('en-US')} malformed): ${classes}; hangs ${stats.hangs}, no answer ${stats.noAnswer}`);
  await agent?.close();
  await emu?.close();
});

/** Payments, orders and links that exist, so that generated requests reach past "not found". */
async function refill() {
  token = await emu.fetchToken();
  pool.references.length = 0;
  pool.orderIds.length = 0;
  pool.tokens.length = 0;
  for (let i = 0; i < 3; i += 1) {
    const { reference, response } = await emu.createPayment(i === 2 ? { userFlow: 'QR', returnUrl: undefined } : {});
    if (response.status === 201) {
      pool.references.push(reference);
      const t = new URL(response.body.redirectUrl).searchParams.get('token');
      if (t) pool.tokens.push(t);
    }
    const orderId = `fuzz-${newKey().slice(0, 12)}`;
    const ecom = await emu.call('POST', '/ecomm/v2/payments', {
      body: { merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'https://shop.example/cb', fallBack: 'https://shop.example/fb' }, customerInfo: {}, transaction: { orderId, amount: 1000, transactionText: 'Fuzz' } },
    });
    if (ecom.status === 200) pool.orderIds.push(orderId);
  }
}

const moduleAuth = (path: string) => path.startsWith('/epayment/') || path.startsWith('/ecomm/') || path.startsWith('/Ecomm/') || path.startsWith('/webhooks/');
const authHeaders = () => ({ authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': emu.merchant.subscriptionKey, 'merchant-serial-number': emu.merchant.msn });

/** Header values undici will send: latin1 without control characters. */
const headerSafe = (v: unknown) => String(typeof v === 'string' ? v : JSON.stringify(v) ?? '').replace(/[^\x20-\x7e\x80-\xff]/g, '?').slice(0, 2_000);

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
}

function paramArbitrary(route: ServedRoute, name: string): fc.Arbitrary<string> {
  const schema = (route.schema?.params as { properties?: Record<string, unknown> } | undefined)?.properties?.[name];
  const known = name === 'reference' ? pool.references : name === 'orderId' ? pool.orderIds : name === 'token' ? pool.tokens : name === 'phone' || name === 'phoneNumber' ? pool.phones : name === 'msn' ? [emu.merchant.msn] : [];
  return fc.oneof(
    { weight: 3, arbitrary: schema ? valid(schema).map(String) : fc.string({ minLength: 1, maxLength: 20 }) },
    { weight: known.length ? 3 : 0, arbitrary: fc.constantFrom(...(known.length ? known : ['x'])) },
    { weight: 2, arbitrary: fc.oneof(nastyString, fc.string({ unit: 'grapheme', maxLength: 30 })) },
  );
}

/** Names that are properties of every object: a lookup by a request value must never find them. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];

/** Form fields of the pages' POSTs, and the query fields of their GETs. */
const pageFields = fc.dictionary(
  fc.constantFrom('token', 'phoneNumber', 'pin', 'action', 'link', 'shippingMethodId', 'phone', 'notice', 'ref', ...PROTOTYPE_KEYS),
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('1236', 'cancel', 'approved', 'rejected', ...pool.phones, 'TOKEN') },
    { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  ),
  { maxKeys: 4 },
);

/** A string encodeURIComponent takes: lone surrogates become U+FFFD (String#toWellFormed, Node 20). */
const wellFormed = (v: string): string => (v as string & { toWellFormed(): string }).toWellFormed();

/** Form or query text of page fields, with a real payment link's token where the field says TOKEN. */
const formOf = (fields: Record<string, string>) => new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, v === 'TOKEN' ? (pool.tokens[0] ?? 'x') : v])).toString();

function requestArbitrary(route: ServedRoute): fc.Arbitrary<FuzzRequest> {
  const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((n) => paramArbitrary(route, n)));
  const isPage = !route.url.startsWith('/devkit') && !moduleAuth(route.url) && !route.url.startsWith('/accesstoken') && !route.url.startsWith('/accessToken') && !route.url.startsWith('/api/') && route.url !== '/';
  const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
  const query = route.schema?.querystring
    ? fc.option(fc.oneof(valid(route.schema.querystring), mutated(route.schema.querystring)), { nil: undefined }).map((q) => (q && typeof q === 'object' ? new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString() : ''))
    : isPage
      ? fc.option(pageFields, { nil: undefined }).map((q) => (q ? formOf(q) : ''))
      : fc.constant('');
  const schemaHeaders = route.schema?.headers ? fc.oneof(valid(route.schema.headers), mutated(route.schema.headers)) : fc.constant({});
  const body: fc.Arbitrary<{ text?: string; type?: string }> = !hasBody
    ? fc.constant({})
    : isPage
      ? fc.oneof(
          pageFields.map((f) => ({ text: formOf(f), type: 'application/x-www-form-urlencoded' })),
          anyJson.map((j) => ({ text: JSON.stringify(j) ?? '', type: 'application/json' })),
        )
      : fc.oneof(
          { weight: 8, arbitrary: bodyFor(route.schema?.body).map((b) => (b === undefined ? {} : { text: JSON.stringify(b), type: 'application/json' })) },
          { weight: 1, arbitrary: fc.tuple(anyJson, fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1')).map(([b, type]) => ({ text: JSON.stringify(b) ?? '', type })) },
        );
  const auth = moduleAuth(route.url) ? fc.boolean().map((b) => (b ? authHeaders() : {})) : fc.constant({});
  const site = isPage && hasBody ? fc.constantFrom({ 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'same-origin' }, { 'sec-fetch-site': 'cross-site' }, {}) : fc.constant({});
  return fc.tuple(params, query, schemaHeaders, body, auth, site, fc.boolean()).map(([ps, q, h, b, a, s, withKey]) => {
    let path = route.url;
    names.forEach((n, i) => (path = path.replace(`:${n}`, encodeURIComponent(wellFormed(ps[i]!)))));
    const headers: Record<string, string> = { ...a, ...s };
    for (const [k, v] of Object.entries((h ?? {}) as Record<string, unknown>)) if (typeof k === 'string' && /^[\w-]+$/.test(k)) headers[k.toLowerCase()] = headerSafe(v);
    if (withKey && hasBody && moduleAuth(route.url) && !headers['idempotency-key']) headers['idempotency-key'] = newKey();
    if (b.type) headers['content-type'] = b.type;
    return { method: route.method, path, query: q, headers, ...(b.text !== undefined ? { body: b.text } : {}) };
  });
}

function count(status: number) {
  stats.byClass[`${Math.floor(status / 100)}xx`] = (stats.byClass[`${Math.floor(status / 100)}xx`] ?? 0) + 1;
}

async function send(r: FuzzRequest, kind: 'schema' | 'sweep' = 'schema'): Promise<Answer & { hung?: boolean; failed?: string }> {
  stats[kind] += 1;
  try {
    const res = await undiciRequest(`${emu.url}${r.path}${r.query ? `?${r.query}` : ''}`, {
      method: r.method as 'GET',
      headers: r.headers,
      ...(r.body !== undefined ? { body: r.body } : {}),
      dispatcher: agent,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    const text = await res.body.text();
    count(res.statusCode);
    return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), text };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      stats.hangs += 1;
      return { status: 0, contentType: '', text: '', hung: true };
    }
    stats.noAnswer += 1;
    return { status: 0, contentType: '', text: '', failed: `${code} ${(err as Error).message}` };
  }
}

/** Control calls that leave something behind for later requests (injected faults, maintenance, time at its end): start over. */
async function tidyAfter(r: FuzzRequest, status: number) {
  const p = r.path;
  // A key regenerated (POST /devkit/v1/merchants/{msn}/keys/{key}/regenerate): the harness's merchant takes the new keys.
  if (p.includes('/keys/') && p.startsWith('/devkit/v1/merchants/') && status < 300) {
    Object.assign(emu.merchant, emu.ctx.merchants.get(emu.merchant.msn));
    await refill();
    return;
  }
  // The dashboard's forms act on the clock, faults, maintenance and request servers too.
  if (r.method === 'POST' && p.startsWith('/dashboard/') && status < 400) {
    await http(`${emu.url}/devkit/v1/reset`, { method: 'POST' });
    await refill();
    return;
  }
  if (status >= 400 && !p.startsWith('/devkit/v1/reset') && !p.startsWith('/devkit/v1/clock')) return;
  if (p.startsWith('/devkit/v1/faults') || p.startsWith('/devkit/v1/maintenances') || p.startsWith('/devkit/v1/reset') || p.includes('/reset') || p.startsWith('/devkit/v1/clock') || p.startsWith('/devkit/v1/users')) {
    if (p.startsWith('/devkit/v1/faults') || p.startsWith('/devkit/v1/maintenances')) await http(`${emu.url}/devkit/v1/reset`, { method: 'POST' });
    await refill();
  }
}

function check(r: FuzzRequest, a: Answer & { hung?: boolean; failed?: string }): void {
  const what = `${r.method} ${r.path.slice(0, 200)}${r.query ? `?${r.query.slice(0, 200)}` : ''} ${JSON.stringify(r.headers).slice(0, 300)} ${r.body?.slice(0, 300) ?? ''}`;
  expect(a.hung, `hang: ${what}`).toBeFalsy();
  expect(a.failed, `no answer: ${what}`).toBeUndefined();
  expect(a.status, `${a.status} ${a.text.slice(0, 500)} ← ${what}`).toBeLessThan(500);
  // The client sends the path as the URL parser leaves it (`/app/../x` is `/x`): that path's API answers.
  if (a.status >= 400 && r.method !== 'HEAD') expect(shapeProblems(new URL(r.path, 'http://h').pathname, a), what).toEqual([]);
}

describe('fuzz: every served route, from its own schema', () => {
  it('the served route list is there (onRoute)', () => {
    expect(emu.routes.length).toBeGreaterThan(50);
  });

  it(`${RUNS} requests per route (seed ${SEED}): no 5xx, no hang, errors in the API's shape`, async () => {
    for (const [i, route] of emu.routes.entries()) {
      await fc.assert(
        fc.asyncProperty(requestArbitrary(route), async (r) => {
          const answer = await send(r);
          check(r, answer);
          await tidyAfter(r, answer.status);
        }),
        { seed: SEED + i, numRuns: RUNS, endOnFailure: !LONG },
      );
    }
  }, LONG ? 6 * 3_600_000 : 600_000);
});

describe('fuzz: names of Object.prototype in every field of every route', () => {
  // A lookup by a request value (`NOTICES[query.notice]`) is found by this sweep, not by chance.
  const FIELDS = ['token', 'phone', 'phoneNumber', 'notice', 'ref', 'pin', 'action', 'link', 'shippingMethodId', 'reference', 'orderId', 'webhookId', 'after', 'limit', 'msn', 'id', 'environment', 'type', 'api'];
  it(`${PROTOTYPE_KEYS.length} names × every route, in path parameters, query and body fields: no 5xx, errors in the API's shape`, async () => {
    for (const route of emu.routes) {
      for (const key of PROTOTYPE_KEYS) {
        const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
        const known = (n: string) => (n === 'reference' ? pool.references[0] : n === 'orderId' ? pool.orderIds[0] : n === 'token' ? pool.tokens[0] : n === 'phone' || n === 'phoneNumber' ? pool.phones[0] : n === 'msn' ? emu.merchant.msn : undefined) ?? key;
        const schemaFields = Object.keys(((route.schema?.body ?? {}) as { properties?: object }).properties ?? {});
        const fields = Object.fromEntries([...FIELDS, ...schemaFields, key].map((f) => [f, key]));
        const hasBody = !['GET', 'HEAD', 'OPTIONS'].includes(route.method);
        const isPage = route.url.startsWith('/app') || route.url.startsWith('/landing');
        for (const inPath of [false, true]) {
          if (inPath && names.length === 0) continue;
          let path = route.url;
          for (const n of names) path = path.replace(`:${n}`, encodeURIComponent(inPath ? key : known(n)));
          const r: FuzzRequest = {
            method: route.method,
            path,
            query: new URLSearchParams(fields).toString(),
            headers: { ...(moduleAuth(route.url) ? authHeaders() : {}), ...(hasBody ? { 'content-type': isPage ? 'application/x-www-form-urlencoded' : 'application/json', 'sec-fetch-site': 'same-origin' } : {}), ...(hasBody && moduleAuth(route.url) ? { 'idempotency-key': newKey() } : {}) },
            ...(hasBody ? { body: isPage ? new URLSearchParams(fields).toString() : JSON.stringify(fields) } : {}),
          };
          const answer = await send(r, 'sweep');
          check(r, answer);
          await tidyAfter(r, answer.status);
        }
      }
    }
  }, LONG ? 3_600_000 : 300_000);
});

// ---------------------------------------------------------------- malformed input, as raw bytes

interface Target {
  method: string;
  path: string;
  auth: boolean;
}

const TARGETS = (): Target[] => [
  { method: 'POST', path: '/epayment/v1/payments', auth: true },
  { method: 'POST', path: `/epayment/v1/payments/${pool.references[0] ?? 'order-fuzz-0001'}/capture`, auth: true },
  { method: 'POST', path: '/ecomm/v2/payments', auth: true },
  { method: 'PUT', path: `/ecomm/v2/payments/${pool.orderIds[0] ?? 'x'}/cancel`, auth: true },
  { method: 'POST', path: '/webhooks/v1/webhooks', auth: true },
  { method: 'POST', path: '/accesstoken/get', auth: false },
  { method: 'POST', path: '/landing', auth: false },
  { method: 'GET', path: '/app/4797777776', auth: false },
  { method: 'POST', path: '/devkit/v1/clock/advance', auth: false },
  { method: 'POST', path: '/devkit/v1/users', auth: false },
  { method: 'GET', path: '/api/v2/summary.json', auth: false },
];

const deepArray = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** One malformed request: the request line, headers and body it sends, given a target. */
type Case = [name: string, build: (t: Target, auth: string) => string | Buffer];

const req = (method: string, path: string, headers: string[], body = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}${body || method !== 'GET' ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;
const json = (t: Target, auth: string, body: string, type = 'application/json') => req(t.method, t.path, [auth, `Content-Type: ${type}`].filter(Boolean), body);

const CASES: Case[] = [
  // invalid JSON
  ['truncated JSON', (t, a) => json(t, a, '{"amount":')],
  ['single quotes', (t, a) => json(t, a, "{'a':1}")],
  ['trailing comma', (t, a) => json(t, a, '[1,]')],
  ['NaN', (t, a) => json(t, a, 'NaN')],
  ['garbage after JSON', (t, a) => json(t, a, '{"a":1}garbage')],
  ['BOM before JSON', (t, a) => json(t, a, '\uFEFF{"a":1}')],
  ['raw NUL in JSON', (t, a) => json(t, a, '{"a":"\u0000"}')],
  ['lone surrogate escape', (t, a) => json(t, a, '{"a":"\\ud800","b":"\\u0000"}')],
  ['number too big', (t, a) => json(t, a, `{"amount":{"currency":"NOK","value":1${'0'.repeat(400)}}}`)],
  // wrong content types
  ['text/plain', (t, a) => json(t, a, '{"a":1}', 'text/plain')],
  ['application/xml', (t, a) => json(t, a, '<a>1</a>', 'application/xml')],
  ['multipart', (t, a) => json(t, a, '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x')],
  ['JSON in UTF-16', (t, a) => json(t, a, '{"a":1}', 'application/json; charset=utf-16')],
  ['two types in one', (t, a) => json(t, a, '{"a":1}', 'application/json, text/plain')],
  ['form to a JSON API', (t, a) => json(t, a, 'a=1&__proto__[x]=1', 'application/x-www-form-urlencoded')],
  ['body without a type', (t, a) => req(t.method, t.path, [a].filter(Boolean), '{"a":1}')],
  // deep nesting
  ['arrays 100,000 deep', (t, a) => json(t, a, deepArray(100_000))],
  ['objects 5,000 deep', (t, a) => json(t, a, deepObject(5_000))],
  ['33 levels', (t, a) => json(t, a, deepArray(33))],
  // huge bodies
  ['body over the limit', (t, a) => json(t, a, `{"a":"${'x'.repeat(1024 * 1024)}"}`)],
  ['declared 10 GB', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${a ? `${a}\r\n` : ''}Content-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{`],
  ['100,000 keys', (t, a) => json(t, a, JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))))],
  // unicode and NUL bytes
  ['NUL in the path', (t, a) => req(t.method, `${t.path}%00`, [a].filter(Boolean))],
  ['raw UTF-8 in the path', (t, a) => Buffer.from(req(t.method, `${t.path}/ø🙂`, [a].filter(Boolean)), 'utf8')],
  ['obs-text header value', (t, a) => Buffer.concat([Buffer.from(`${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${a ? `${a}\r\n` : ''}X-Text: `), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\r\nContent-Length: 0\r\n\r\n')])],
  ['NUL in a header', (t, a) => req(t.method, t.path, [a, 'X-Nul: a\u0000b'].filter(Boolean))],
  ['unicode everywhere', (t, a) => Buffer.from(json(t, a, JSON.stringify({ reference: 'Ω≈ç√∫\u202e\ud83d\ude00', returnUrl: 'https://ø.example/🙂', a: 'Z̸̢̡̛' })), 'utf8')],
  // path traversal
  ['dot-dot to the control API', (t, a) => req(t.method, `${t.path}/../../../devkit/v1/reset`, [a].filter(Boolean))],
  ['encoded dot-dot', (t, a) => req(t.method, `${t.path}/..%2f..%2f..%2fdevkit%2fv1%2freset`, [a].filter(Boolean))],
  ['double slash', (t, a) => req(t.method, `/${t.path}`, [a].filter(Boolean))],
  ['backslashes', (t, a) => req(t.method, `${t.path}\\..\\..\\devkit`, [a].filter(Boolean))],
  ['absolute-form URL', (t, a) => req(t.method, `http://attacker.example${t.path}`, [a].filter(Boolean))],
  ['bad percent-encoding', (t, a) => req(t.method, `${t.path}/%ZZ%`, [a].filter(Boolean))],
  ['300-character segment', (t, a) => req(t.method, `${t.path.replace(/[^/]+$/, 'a'.repeat(300))}`, [a].filter(Boolean))],
  // duplicate headers
  ['two Content-Types', (t, a) => req(t.method, t.path, [a, 'Content-Type: application/json', 'Content-Type: text/plain'].filter(Boolean), '{"a":1}')],
  ['two Authorizations', (t, a) => req(t.method, t.path, [a, 'Authorization: Bearer forged'].filter(Boolean), '{}')],
  ['two Idempotency-Keys', (t, a) => req(t.method, t.path, [a, 'Idempotency-Key: one', 'Idempotency-Key: two', 'Content-Type: application/json'].filter(Boolean), '{}')],
  ['two Hosts', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\n${a ? `${a}\r\n` : ''}Content-Length: 0\r\n\r\n`],
  ['two different Content-Lengths', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${a ? `${a}\r\n` : ''}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`],
  ['Content-Length and chunked', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${a ? `${a}\r\n` : ''}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
  ['two Merchant-Serial-Numbers', (t, a) => req(t.method, t.path, [a, 'Merchant-Serial-Number: 123456'].filter(Boolean), '{}')],
  // oversized headers
  ['a 20 KB header', (t, a) => req(t.method, t.path, [a, `X-Big: ${'a'.repeat(20_000)}`].filter(Boolean))],
  ['3,000 headers', (t, a) => req(t.method, t.path, [a, ...Array.from({ length: 3_000 }, (_, i) => `X-H${i}: ${i}`)].filter(Boolean))],
  ['a 100 KB URL', (t, a) => req(t.method, `${t.path}?q=${'a'.repeat(100_000)}`, [a].filter(Boolean))],
  // broken HTTP
  ['no Host in HTTP/1.1', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\n${a ? `${a}\r\n` : ''}Content-Length: 0\r\n\r\n`],
  ['HTTP/1.0 without Host', (t, a) => `${t.method} ${t.path} HTTP/1.0\r\n${a ? `${a}\r\n` : ''}Content-Length: 0\r\n\r\n`],
  ['unknown method', (t, a) => req('BREW', t.path, [a].filter(Boolean))],
  ['bad chunk size', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${a ? `${a}\r\n` : ''}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
  ['header without a colon', (t, a) => `${t.method} ${t.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${a ? `${a}\r\n` : ''}Broken header line\r\n\r\n`],
  ['bare LF line ends', (t, a) => `${t.method} ${t.path} HTTP/1.1\nHost: 127.0.0.1\n${a ? `${a}\n` : ''}Content-Length: 0\n\n`],
];

describe('fuzz: malformed input (raw bytes)', () => {
  it(`${CASES.length} kinds of malformed request to ${TARGETS().length} targets: no 5xx, no hang, errors in the API's shape`, async () => {
    const port = Number(new URL(emu.url).port);
    const problems: string[] = [];
    // In CI a fixed sample of the table; `npm run fuzz` sends all of it.
    const rng = fc.sample(fc.double({ min: 0, max: 1, noNaN: true }), { seed: SEED, numRuns: CASES.length * TARGETS().length });
    let k = 0;
    for (const target of TARGETS()) {
      const a = target.auth ? `Authorization: Bearer ${token}\r\nOcp-Apim-Subscription-Key: ${emu.merchant.subscriptionKey}\r\nMerchant-Serial-Number: ${emu.merchant.msn}\r\nIdempotency-Key: ${newKey()}` : '';
      for (const [name, build] of CASES) {
        if (!LONG && rng[k++]! > 0.6) continue;
        stats.malformed += 1;
        const bytes = build(target, a);
        // The shape to expect is that of the path actually sent (a double slash or an absolute URL is nobody's API).
        const sentPath = pathOf(bytes.toString('latin1').split(/\r?\n/, 1)[0]!.split(' ')[1] ?? target.path);
        const answer = await rawExchange(port, bytes, TIMEOUT_MS);
        if (answer.hung) stats.hangs += 1;
        else if (answer.status === 0) stats.noAnswer += 1;
        else count(answer.status);
        const what = `${name} → ${target.method} ${target.path}`;
        if (answer.hung) problems.push(`hang: ${what}`);
        else if (answer.status === 0) problems.push(`no answer: ${what}`);
        else if (answer.status >= 500) problems.push(`${answer.status}: ${what}: ${answer.text.slice(0, 200)}`);
        else if (answer.status >= 400) problems.push(...shapeProblems(sentPath, answer).map((p) => `${what}: ${p}`));
      }
      await http(`${emu.url}/devkit/v1/clock`, {});
    }
    expect(problems).toEqual([]);
  }, LONG ? 3_600_000 : 300_000);
});
