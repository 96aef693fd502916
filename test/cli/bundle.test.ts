/**
 * `serve` runs from the bundle (dist/cli, made by `npm run build`): a copy of the package without
 * dist/src starts, answers, serves Swagger UI's files (found in @fastify/swagger-ui's folder at run
 * time), issues tokens (the key made while the emulator starts) and delivers a webhook (undici,
 * loaded by the first call to a merchant).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { connectEmulator, startWebhookReceiver } from '../../src/testing/index.js';
import { repoRoot, testStateHome, type Banner } from '../helpers/cli.js';

const copy = mkdtempSync(path.join(tmpdir(), 'devkit-bundle-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the serve bundle', () => {
  it('takes node:http through require: an ES import of it loads Node 22+\'s own undici at every start', () => {
    const dir = path.join(repoRoot, 'dist/cli');
    const esImports = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .filter((f) => /from\s*"node:http"/.test(readFileSync(path.join(dir, f), 'utf8')));
    expect(esImports).toEqual([]);
  });

  it('starts and answers without dist/src', { timeout: 60_000 }, async () => {
    for (const part of ['bin', 'dist/cli', 'package.json']) cpSync(path.join(repoRoot, part), path.join(copy, part), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(copy, 'node_modules'));
    const child = spawn(process.execPath, [path.join(copy, 'bin/vipps-devkit.js'), 'serve', '--ephemeral', '--port', '0', '--no-dns', '--json', '--log-level', 'warn'], {
      cwd: copy,
      env: { ...process.env, XDG_STATE_HOME: testStateHome },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const exited = once(child, 'exit').then(([code]) => Promise.reject(new Error(`serve exited with ${String(code)} before its banner`)));
      const [line] = (await Promise.race([once(createInterface({ input: child.stdout }), 'line'), exited])) as [string];
      const banner = JSON.parse(line) as Banner;
      expect((await fetch(`${banner.url}/api/v2/summary.json`)).status).toBe(200);
      const css = await fetch(`${banner.url}/devkit/v1/docs/static/swagger-ui.css`);
      expect(css.status).toBe(200);
      expect((await css.text()).length).toBeGreaterThan(10_000);
      const token = await fetch(`${banner.url}/accesstoken/get`, {
        method: 'POST',
        headers: { client_id: banner.clientId, client_secret: banner.clientSecret, 'ocp-apim-subscription-key': banner.subscriptionKey },
      });
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      const { keys } = (await (await fetch(`${banner.url}/accesstoken/jwks`)).json()) as { keys: Array<{ kid: string }> };
      expect(JSON.parse(Buffer.from(access_token.split('.')[0]!, 'base64url').toString()).kid).toBe(keys[0]!.kid);

      const hooks = await startWebhookReceiver();
      try {
        const emulator = connectEmulator(banner.url);
        const headers = { ...(await emulator.apiHeaders()), 'content-type': 'application/json' };
        expect((await fetch(`${banner.url}/webhooks/v1/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: hooks.url, events: ['epayments.payment.created.v1'] }) })).status).toBe(201);
        const created = await fetch(`${banner.url}/epayment/v1/payments`, {
          method: 'POST',
          headers: { ...headers, 'idempotency-key': 'bundle-test-1' },
          body: JSON.stringify({ reference: 'bundle-test-1', amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, userFlow: 'WEB_REDIRECT', returnUrl: 'https://example.com/return' }),
        });
        expect(created.status).toBe(201);
        expect((await hooks.waitFor((w) => w.json?.reference === 'bundle-test-1')).json).toMatchObject({ name: 'CREATED' });
      } finally {
        await hooks.close();
      }
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
  });
});
