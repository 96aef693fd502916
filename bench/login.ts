/**
 * Vipps Login: whole code-flow logins per second (authorize, login page, phone number, the user's
 * answer over the control API, the login page again, resume, token exchange: 7 requests, 5 of them
 * writing through oidc-provider's adapter and the command queue) beside the ePayment create
 * throughput measured in the same run against the same `serve` process (SQLite file, durable
 * mode). Each login has its own test user, so that no two logins wait in one app.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { BenchFailure } from './failure.js';
import { pool, startServe } from './serve-process.js';
import type { BenchFigure } from './figure.js';
import { createPaymentRequest } from './payloads.js';

const LOGINS = 200;
const CREATES = 1000;
const CONCURRENCY = 10;
const REDIRECT = 'http://127.0.0.1:9/callback';
const progress = (line: string) => process.stderr.write(`  [login] ${line}\n`);

export default async function loginBench(): Promise<BenchFigure[]> {
  const serve = await startServe('login');
  const figures: BenchFigure[] = [];
  try {
    const { banner } = serve;
    const client = new Agent({ connections: CONCURRENCY * 2 });
    const call = async (method: string, url: string, headers: Record<string, string>, body: string | undefined, expect: number, cookies?: Map<string, string>) => {
      const res = await request(url.startsWith('http') ? url : `${banner.url}${url}`, {
        method: method as 'GET',
        headers: { ...headers, ...(cookies?.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}) },
        ...(body ? { body } : {}),
        dispatcher: client,
      });
      const text = await res.body.text();
      if (res.statusCode !== expect) throw new BenchFailure(`${method} ${url}: ${res.statusCode} ${text.slice(0, 300)}`, figures);
      const setCookie = res.headers['set-cookie'];
      for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        cookies?.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      return { text, location: String(res.headers.location ?? '') };
    };
    const json = { 'content-type': 'application/json' };
    await call('PUT', `/devkit/v1/login/merchants/${banner.merchantSerialNumber}`, json, JSON.stringify({ redirectUris: [REDIRECT] }), 200);
    const phones: string[] = [];
    for (let i = 0; i < LOGINS + CONCURRENCY; i += 1) phones.push(JSON.parse((await call('POST', '/devkit/v1/users', json, '{}', 201)).text).phoneNumber);

    const basic = `Basic ${Buffer.from(`${banner.clientId}:${banner.clientSecret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const loginOnce = async (phone: string) => {
      const cookies = new Map<string, string>();
      const verifier = randomBytes(32).toString('base64url');
      const q = new URLSearchParams({ client_id: banner.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid name', state: 'bench-state', code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
      const page = (await call('GET', `/access-management-1.0/access/oauth2/auth?${q}`, {}, undefined, 303, cookies)).location;
      await call('POST', page, form, new URLSearchParams({ phoneNumber: phone, action: 'login' }).toString(), 303, cookies);
      await call('POST', `/devkit/v1/login/users/${phone}/approve`, {}, undefined, 200);
      const resume = (await call('GET', page, {}, undefined, 303, cookies)).location;
      const back = new URL((await call('GET', resume, {}, undefined, 303, cookies)).location);
      const code = back.searchParams.get('code');
      if (!code) throw new BenchFailure(`no code: ${back.href}`, figures);
      await call('POST', '/access-management-1.0/access/oauth2/token', { ...form, authorization: basic }, new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(), 200);
    };

    const token = JSON.parse((await call('POST', '/accesstoken/get', { client_id: banner.clientId, client_secret: banner.clientSecret, 'ocp-apim-subscription-key': banner.subscriptionKey }, undefined, 200)).text).access_token as string;
    const auth = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber, 'content-type': 'application/json' };
    const create = async (reference: string) => void (await call('POST', '/epayment/v1/payments', { ...auth, 'idempotency-key': reference }, JSON.stringify(createPaymentRequest(reference)), 201));

    progress(`${CREATES} ePayment creates, then ${LOGINS} whole logins, ${CONCURRENCY} at a time`);
    await pool(100, CONCURRENCY, (i) => create(`bench-lw-${i}`));
    let t0 = performance.now();
    await pool(CREATES, CONCURRENCY, (i) => create(`bench-l-${i}`));
    const creates = CREATES / ((performance.now() - t0) / 1000);
    progress(`epayment create: ${creates.toFixed(0)}/s`);
    figures.push({ name: 'epayment create', value: creates, unit: 'ops/s' });
    await pool(CONCURRENCY, CONCURRENCY, (i) => loginOnce(phones[LOGINS + i]!));
    t0 = performance.now();
    await pool(LOGINS, CONCURRENCY, (i) => loginOnce(phones[i]!));
    const logins = LOGINS / ((performance.now() - t0) / 1000);
    progress(`whole logins: ${logins.toFixed(1)}/s`);
    figures.push({ name: 'login (7 requests)', value: logins, unit: 'logins/s', baseline: { name: 'epayment create', value: creates }, ratio: logins / creates });
    await client.close();
    return figures;
  } finally {
    serve.stop();
  }
}
