import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/emulator.js';
import { cliPath, repoRoot, runCli, startServeProcess, stopProcess, testStateHome, type Banner } from '../helpers/cli.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'devkit-serve-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const tokenFor = async (b: Banner) =>
  (await http(`${b.url}/accesstoken/get`, { method: 'POST', headers: { client_id: b.clientId, client_secret: b.clientSecret, 'ocp-apim-subscription-key': b.subscriptionKey } })).body.access_token as string;
const headers = (b: Banner, token: string) => ({
  authorization: `Bearer ${token}`,
  'ocp-apim-subscription-key': b.subscriptionKey,
  'merchant-serial-number': b.merchantSerialNumber,
  'content-type': 'application/json',
});

describe('vipps-devkit CLI', () => {
  it('answers --help for the program and for serve, documenting every flag', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('serve');
    const serve = await runCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    for (const flag of ['--port', '--host', '--data-dir', '--ephemeral', '--log-level', '--admin-token', '--database-url', '--json']) {
      expect(serve.stdout).toContain(flag);
    }
  });

  it('exits non-zero on a bad flag', async () => {
    const res = await runCli(['serve', '--port', 'eighty']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('port');
  });
});

describe('vipps-devkit serve', () => {
  it('keeps credentials, keys and every acknowledged write across a kill -9 and restart of the data directory', async () => {
    const dataDir = tempDir();
    const first = await startServeProcess(['--data-dir', dataDir]);
    const b1 = first.banner;
    expect(b1.testUserPhoneNumber).toBe('4797777776');
    const token = await tokenFor(b1);
    const created = await http(`${b1.url}/epayment/v1/payments`, {
      method: 'POST',
      headers: { ...headers(b1, token), 'idempotency-key': 'restart-1' },
      body: JSON.stringify({ amount: { currency: 'NOK', value: 4200 }, paymentMethod: { type: 'WALLET' }, reference: 'restart-ref-1', userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' }),
    });
    expect(created.status).toBe(201);
    const approved = await http(`${b1.url}/epayment/v1/test/payments/restart-ref-1/approve`, { method: 'POST', headers: headers(b1, token), body: '{}' });
    expect(approved.status).toBe(200);
    // No graceful shutdown: what was acknowledged must already be on disk.
    await stopProcess(first.child, 'SIGKILL');

    const second = await startServeProcess(['--data-dir', dataDir]);
    try {
      const b2 = second.banner;
      expect({ ...b2, url: '', dns: '' }).toEqual({ ...b1, url: '', dns: '' });
      // The token issued before the restart still verifies: the signing key was kept.
      const payment = await http(`${b2.url}/epayment/v1/payments/restart-ref-1`, { method: 'GET', headers: headers(b2, token) });
      expect(payment.status).toBe(200);
      expect(payment.body.state).toBe('AUTHORIZED');
      expect(payment.body.aggregate.authorizedAmount.value).toBe(4200);
      const events = await http(`${b2.url}/epayment/v1/payments/restart-ref-1/events`, { method: 'GET', headers: headers(b2, token) });
      expect(events.body.map((e: any) => e.name)).toEqual(['CREATED', 'AUTHORIZED']);
      // The idempotency record survived too: a retry replays instead of failing on the reference.
      const retry = await http(`${b2.url}/epayment/v1/payments`, {
        method: 'POST',
        headers: { ...headers(b2, token), 'idempotency-key': 'restart-1' },
        body: JSON.stringify({ amount: { currency: 'NOK', value: 4200 }, paymentMethod: { type: 'WALLET' }, reference: 'restart-ref-1', userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' }),
      });
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(created.body);
    } finally {
      await stopProcess(second.child);
    }
  });

  it('keeps simulated time across a restart', async () => {
    const dataDir = tempDir();
    const first = await startServeProcess(['--data-dir', dataDir]);
    const advanced = await http(`${first.banner.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"duration":"3d"}' });
    expect(advanced.body.offsetMilliseconds).toBe(3 * 86_400_000);
    await stopProcess(first.child);
    const second = await startServeProcess(['--data-dir', dataDir]);
    try {
      const clock = await http(`${second.banner.url}/devkit/v1/clock`, { method: 'GET' });
      expect(clock.body.offsetMilliseconds).toBe(3 * 86_400_000);
    } finally {
      await stopProcess(second.child);
    }
  });

  it('--ephemeral starts fresh every time', async () => {
    const a = await startServeProcess(['--ephemeral']);
    await stopProcess(a.child);
    const b = await startServeProcess(['--ephemeral']);
    await stopProcess(b.child);
    expect(a.banner.clientId).not.toBe(b.banner.clientId);
  });

  it('when the DNS port is taken, serves DNS on a free port of its own and says which (test/cli/dns-port.test.ts has more)', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    const { child, banner, stderr } = await startServeProcess(['--ephemeral', '--dns-port', String(taken.address().port)]);
    try {
      expect(banner.dns).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(banner.dns).not.toBe(`127.0.0.1:${taken.address().port}`);
      expect((await http(`${banner.url}/devkit/v1/merchants`, { method: 'GET' })).status).toBe(200);
      expect(stderr()).toContain(`DNS port ${taken.address().port} is taken`);
    } finally {
      await stopProcess(child);
      taken.close();
    }
  });

  it('guards the control API with the admin token when one is set', async () => {
    const { child, banner } = await startServeProcess(['--ephemeral', '--admin-token', 's3cret-token']);
    try {
      expect(banner.adminToken).toBe('s3cret-token');
      const anonymous = await http(`${banner.url}/devkit/v1/merchants`, { method: 'GET' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('content-type')).toMatch(/problem\+json/);
      const wrong = await http(`${banner.url}/devkit/v1/merchants`, { method: 'GET', headers: { authorization: 'Bearer s3cret-tokeX' } });
      expect(wrong.status).toBe(401);
      const allowed = await http(`${banner.url}/devkit/v1/merchants`, { method: 'GET', headers: { authorization: 'Bearer s3cret-token' } });
      expect(allowed.status).toBe(200);
      expect(allowed.body.merchants[0].msn).toBe(banner.merchantSerialNumber);
    } finally {
      await stopProcess(child);
    }
  });
});

describe('the console', () => {
  /** `serve` as a person starts it (no --json): its banner on stdout, its log on stderr. */
  async function serveForPeople(args: string[]) {
    const child = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--ephemeral', '--no-dns', ...args], { cwd: repoRoot, env: { ...process.env, XDG_STATE_HOME: testStateHome }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await expect.poll(() => stdout, { timeout: 20_000 }).toContain('Stop with Ctrl+C.');
    const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
    return { child, url, stdout: () => stdout, stderr: () => stderr };
  }

  it('is for people by default: no JSON lines, and at debug one line per request (payment-link tokens redacted)', async () => {
    const s = await serveForPeople(['--log-level', 'debug']);
    try {
      expect((await fetch(`${s.url}/status`)).status).toBe(200);
      await fetch(`${s.url}/epayment/v1/payments/abcdefgh?token=do-not-log-me`);
      await expect.poll(() => s.stderr(), { timeout: 10_000 }).toMatch(/GET \/epayment\/v1\/payments\/abcdefgh\?token=\[redacted\] 401 [\d.]+ ms from 127\.0\.0\.1/);
      const lines = `${s.stdout()}${s.stderr()}`.split('\n').filter(Boolean);
      expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
      expect(lines.filter((l) => l.includes('GET /status 200'))).toHaveLength(1);
      expect(s.stderr()).not.toContain('do-not-log-me');
    } finally {
      await stopProcess(s.child);
    }
  });

  it('--log-format json: JSON lines for log tools, the same one per request', async () => {
    const s = await serveForPeople(['--log-level', 'debug', '--log-format', 'json']);
    try {
      await fetch(`${s.url}/status`);
      await expect.poll(() => s.stderr(), { timeout: 10_000 }).toContain('GET /status 200');
      const line = s.stderr().split('\n').find((l) => l.includes('GET /status 200'))!;
      expect(JSON.parse(line)).toMatchObject({ level: 20, msg: expect.stringMatching(/^GET \/status 200 [\d.]+ ms from 127\.0\.0\.1$/) });
    } finally {
      await stopProcess(s.child);
    }
  });
});
