/**
 * `vipps-devkit/testing` as a merchant's suite uses it: the package's own entry point (built),
 * startEmulator() with no arguments, the typed helpers over real HTTP, the signature-checking
 * receiver, connectEmulator against a `serve` process, and the node:test example run as is.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEmulator, DevkitError, startEmulator, startWebhookReceiver, type TestEmulator, type WebhookReceiver } from 'vipps-devkit/testing';
import { repoRoot, startServeProcess, stopProcess } from '../helpers/cli.js';

let vipps: TestEmulator;
let hooks: WebhookReceiver;
beforeAll(async () => {
  vipps = await startEmulator();
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await hooks?.close();
  await vipps?.close();
});

async function createPayment(reference: string, value = 1000) {
  const res = await fetch(`${vipps.url}/epayment/v1/payments`, {
    method: 'POST',
    headers: { ...(await vipps.apiHeaders()), 'content-type': 'application/json', 'idempotency-key': `create-${reference}` },
    body: JSON.stringify({ amount: { currency: 'NOK', value }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/return' }),
  });
  expect(res.status).toBe(201);
}
const state = async (reference: string) => ((await (await fetch(`${vipps.url}/epayment/v1/payments/${reference}`, { headers: await vipps.apiHeaders() })).json()) as { state: string }).state;

describe('startEmulator() and its helpers', () => {
  it('starts with no arguments: in memory, on a free loopback port, with a merchant whose keys work', async () => {
    expect(vipps.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const m = await vipps.merchant();
    expect(m.msn).toMatch(/^\d+$/);
    expect((await vipps.accessToken(m)).split('.')).toHaveLength(3);
  });

  it('approve and reject as the user; the webhook arrives signed, and the delivery log shows it', async () => {
    const hook = (await (await fetch(`${vipps.url}/webhooks/v1/webhooks`, {
      method: 'POST', headers: { ...(await vipps.apiHeaders()), 'content-type': 'application/json' },
      body: JSON.stringify({ url: hooks.url, events: ['epayments.payment.authorized.v1', 'epayments.payment.aborted.v1'] }),
    })).json()) as { secret: string };
    hooks.secret = hook.secret;
    await createPayment('lib-approve-1');
    await createPayment('lib-reject-1');
    await vipps.approvePayment('lib-approve-1');
    await vipps.rejectPayment('lib-reject-1');
    expect(await state('lib-approve-1')).toBe('AUTHORIZED');
    expect(await state('lib-reject-1')).toBe('ABORTED');

    const authorized = await hooks.waitFor((w) => w.json?.reference === 'lib-approve-1');
    expect(authorized).toMatchObject({ verified: true, json: { name: 'AUTHORIZED' } });
    const attempt = await vipps.waitForDelivery({ reference: 'lib-reject-1', eventType: 'epayments.payment.aborted.v1', status: 200 });
    expect(attempt.request.url).toBe(hooks.url);

    // A receiver holding another secret does not take the signature.
    const other = await startWebhookReceiver({ secret: 'not-the-secret' });
    try {
      const sent = JSON.parse(attempt.request.body) as unknown;
      await fetch(other.url, { method: 'POST', headers: { ...attempt.request.headers }, body: JSON.stringify(sent) });
      expect((await other.waitFor(() => true)).verified).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('advanceClock expires what was not approved; reset forgets payments and keeps the keys', async () => {
    await createPayment('lib-expire-1');
    const before = await vipps.now();
    const after = await vipps.advanceClock('11m');
    expect(after.getTime() - before.getTime()).toBeGreaterThanOrEqual(11 * 60_000);
    expect(await state('lib-expire-1')).toBe('EXPIRED');
    // The token it held lasted an hour of emulator time: after a longer jump it takes a new one.
    await vipps.advanceClock('2h');
    expect((await fetch(`${vipps.url}/epayment/v1/payments/lib-expire-1`, { headers: await vipps.apiHeaders() })).status).toBe(200);
    await vipps.reset();
    expect((await fetch(`${vipps.url}/epayment/v1/payments/lib-expire-1`, { headers: await vipps.apiHeaders() })).status).toBe(404);
  });

  it('a failed call is a DevkitError with the status and the emulator\'s answer', async () => {
    const err = await vipps.approvePayment('no-such-payment').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevkitError);
    expect((err as DevkitError).status).toBe(404);
  });
});

describe('connectEmulator', () => {
  it('drives an emulator started with serve, with its admin token; without it the control API refuses', { timeout: 60_000 }, async () => {
    const serve = await startServeProcess(['--ephemeral', '--admin-token', 'library-test-token']);
    try {
      const client = connectEmulator(serve.banner.url, { adminToken: 'library-test-token' });
      expect((await client.merchant()).msn).toBe(serve.banner.merchantSerialNumber);
      const refused = await connectEmulator(serve.banner.url).merchants().catch((e: unknown) => e);
      expect((refused as DevkitError).status).toBe(401);
    } finally {
      await stopProcess(serve.child);
    }
  });
});

describe('the examples in docs/testing.md', () => {
  it('node:test: examples/testing/node-test.test.mjs passes as a user runs it', { timeout: 60_000 }, async () => {
    // TAP named: Node 24 prints its spec report by default, where 20 and 22 printed TAP into a pipe.
    const child = spawn(process.execPath, ['--test', '--test-reporter=tap', path.join(repoRoot, 'examples/testing/node-test.test.mjs')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const [code] = await once(child, 'exit');
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toContain('# pass 2');
  });

  it('Jest: examples/testing/jest.test.mjs passes as a user runs it (ES modules, no transform)', { timeout: 120_000 }, async () => {
    const jest = path.join(repoRoot, 'node_modules/jest/bin/jest.js');
    const child = spawn(process.execPath, ['--experimental-vm-modules', jest, '--config', 'examples/testing/jest.config.json', '--ci'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d)); // Jest reports on stderr
    const [code] = await once(child, 'exit');
    expect({ code, out }).toMatchObject({ code: 0 });
    expect(out).toMatch(/Tests:\s+2 passed, 2 total/);
  });
});
