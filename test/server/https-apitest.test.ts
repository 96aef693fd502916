/**
 * apitest.vipps.no on this machine: the emulator's DNS sends the name to the emulator, its HTTPS
 * listener shows a certificate for it from the data directory's CA, and a client that trusts that
 * CA takes a payment through it exactly as against the real host. A client that does not trust
 * the CA is refused, as it should be.
 */
import { Resolver } from 'node:dns/promises';
import https from 'node:https';
import tls from 'node:tls';
import type { LookupFunction } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const dir = mkdtempSync(path.join(tmpdir(), 'devkit-https-'));
let vipps: TestEmulator;
let lookup: LookupFunction;
let resolved: string[] = [];

beforeAll(async () => {
  vipps = await startTestEmulator({ https: { port: 0, caDir: dir }, dnsPort: 0 });
  // The resolver of a machine whose DNS is the emulator's: every name is asked of it, nothing of /etc/hosts.
  const resolver = new Resolver();
  resolver.setServers([`127.0.0.1:${vipps.ctx.dns!.port}`]);
  lookup = (hostname, options, callback) => {
    resolver.resolve4(hostname).then(
      (addresses) => {
        resolved.push(`${hostname} ${addresses[0]}`);
        // Node's connect asks for every address (autoSelectFamily) or for one.
        if (options.all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, addresses.map((address) => ({ address, family: 4 })));
        else callback(null, addresses[0]!, 4);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}, 60_000);
afterAll(async () => {
  await vipps?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Answer = { status: number; body: any };
function request(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown; ca?: string | undefined } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = https.request(
      {
        method,
        hostname: u.hostname,
        // Port 443 needs root; the test gives the listener's port in the URL, the name stays the real one.
        port: vipps.https!.port,
        path: u.pathname + u.search,
        lookup,
        ...(options.ca ? { ca: options.ca } : {}),
        headers: { ...options.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('https://apitest.vipps.no through the emulator', () => {
  it('a client trusting the CA takes a payment: token, create, approve, capture', { timeout: 30_000 }, async () => {
    const ca = vipps.https!.ca.certPem;
    const m = vipps.merchant;
    const base = 'https://apitest.vipps.no';
    const keys = { 'Ocp-Apim-Subscription-Key': m.subscriptionKey, 'Merchant-Serial-Number': m.msn };
    const token = await request('POST', `${base}/accesstoken/get`, { ca, headers: { client_id: m.clientId, client_secret: m.clientSecret, ...keys } });
    expect(token.status).toBe(200);
    const auth = { ...keys, Authorization: `Bearer ${token.body.access_token}` };
    const reference = `https-${Date.now()}`;
    const created = await request('POST', `${base}/epayment/v1/payments`, {
      ca,
      headers: { ...auth, 'Idempotency-Key': reference },
      body: { amount: { currency: 'NOK', value: 4900 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/back' },
    });
    expect(created.status).toBe(201);
    // The control API answers on the same name and port (the simulated user approves).
    const approved = await request('POST', `${base}/devkit/v1/payments/${reference}/approve`, { ca, body: {} });
    expect(approved.status).toBe(200);
    const captured = await request('POST', `${base}/epayment/v1/payments/${reference}/capture`, {
      ca,
      headers: { ...auth, 'Idempotency-Key': `${reference}-capture` },
      body: { modificationAmount: { currency: 'NOK', value: 4900 } },
    });
    expect(captured.status).toBe(200);
    expect(captured.body.aggregate.capturedAmount.value).toBe(4900);
    expect(resolved).toContain(`apitest.vipps.no ${vipps.host}`);
    // api.vipps.no (production) resolves and is in the certificate too; errors keep the API's own shape.
    const missing = await request('GET', `https://api.vipps.no/epayment/v1/payments/${reference}-none`, { ca, headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: expect.any(String), title: expect.any(String) });
  });

  it('a client that does not trust the CA is refused at the handshake', async () => {
    await expect(request('GET', 'https://apitest.vipps.no/epayment/v1/payments/x', { ca: undefined })).rejects.toMatchObject({ code: expect.stringMatching(/UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER/) });
  });

  it('the DNS answers only the API hosts and request servers: other vipps.no names are not ours', async () => {
    const resolver = new Resolver();
    resolver.setServers([`127.0.0.1:${vipps.ctx.dns!.port}`]);
    await expect(resolver.resolve4('api.vipps.no')).resolves.toEqual([vipps.host]);
    await expect(resolver.resolve4('www.vipps.no')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('a request that is not HTTP gets the raw error answer over TLS too', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: vipps.https!.port, servername: 'apitest.vipps.no', ca: vipps.https!.ca.certPem }, () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (c) => (text += c)).on('end', () => resolve(text)).on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    // Our answer in the control API's shape (Node's own would have no body).
    expect(answer).toContain('The request is not valid HTTP');
  });
});
