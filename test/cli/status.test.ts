/**
 * `vipps-devkit status` and `vipps-devkit faults` as real processes (the built CLI), against the
 * emulator's own status API and against local servers that misbehave. Never the real pages.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let bad: Server;
let badUrl = '';
const hanging = new Set<ServerResponse>();

beforeAll(async () => {
  emu = await startTestEmulator();
  // One local server, three ways to be a bad status page.
  bad = createServer((req, res) => {
    if (req.url?.startsWith('/garbage/')) return res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Oops, not JSON</body></html>');
    if (req.url?.startsWith('/wrong-shape/')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"page":{"name":"x"},"status":{"indicator":"purple"}}');
    if (req.url?.startsWith('/error/')) return res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
    if (req.url?.startsWith('/hang/')) return void hanging.add(res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => bad.listen(0, '127.0.0.1', resolve));
  badUrl = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await emu.call('POST', '/devkit/v1/reset', { anonymous: true });
});
afterAll(async () => {
  hanging.forEach((r) => r.destroy());
  bad?.closeAllConnections();
  await new Promise((resolve) => (bad ? bad.close(resolve) : resolve(undefined)));
  await emu?.close();
});

const fault = async (body: Record<string, unknown>) => {
  const r = await emu.call('POST', '/devkit/v1/faults', { body, anonymous: true });
  expect(r.status, r.text).toBe(201);
  return r.body;
};

describe('vipps-devkit status against the emulator\'s status API', () => {
  it('green: prints the components, exits 0 even with --fail-on minor', async () => {
    const r = await runCli(['status', '--url', emu.url, '--fail-on', 'minor']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('status: none — All Systems Operational');
    expect(r.stdout).toMatch(/MT \(merchant test\) \/ ePayment API\s+operational/);
    expect(r.stdout).toContain('No open incidents.');
  });

  it('degraded: --fail-on minor exits 1, --fail-on major and no --fail-on exit 0; --json says why', async () => {
    await fault({ type: 'latency', api: 'epayment', latencyMs: 50 });
    const minor = await runCli(['status', '--url', emu.url, '--fail-on', 'minor']);
    expect(minor.code).toBe(1);
    expect(minor.stdout).toMatch(/ePayment API\s+degraded performance/);
    expect(minor.stdout).toContain('[minor] Increased response times on ePayment API in MT — investigating');
    expect(minor.stdout).toContain('FAIL:');
    expect((await runCli(['status', '--url', emu.url, '--fail-on', 'major'])).code).toBe(0);
    expect((await runCli(['status', '--url', emu.url])).code).toBe(0);

    const json = await runCli(['status', '--url', `${emu.url}/api/v2/summary.json`, '--json', '--fail-on', 'minor']);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ ok: false, exitCode: 1, failOn: 'minor', worst: 'minor' });
    expect(out.pages[0].incidents).toEqual([expect.objectContaining({ impact: 'minor', status: 'investigating' })]);
    expect(out.pages[0].components.find((c: any) => c.group === 'MT (merchant test)' && c.name === 'ePayment API').status).toBe('degraded_performance');
  });

  it('major outage: --fail-on major and critical exit 1; clearing the fault makes it green again', async () => {
    const { fault: f } = await fault({ type: 'outage', api: 'epayment' });
    for (const level of ['minor', 'major', 'critical']) {
      const r = await runCli(['status', '--url', emu.url, '--fail-on', level]);
      expect(r.code, level).toBe(1);
      expect(r.stdout).toContain('status: critical — Major Service Outage');
    }
    expect((await emu.call('DELETE', `/devkit/v1/faults/${f.id}`, { anonymous: true })).status).toBe(200);
    expect((await runCli(['status', '--url', emu.url, '--fail-on', 'minor'])).code).toBe(0);
  });
});

describe('vipps-devkit status against bad pages', () => {
  it('garbage (not JSON): a clear error and exit 2', async () => {
    const r = await runCli(['status', '--url', `${badUrl}/garbage/`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${badUrl}/garbage/api/v2/summary.json: malformed status page: the answer is not JSON (it starts with "<html><body>Oops`);
  });

  it('JSON that is not a status page: exit 2', async () => {
    const r = await runCli(['status', '--url', `${badUrl}/wrong-shape/`, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('malformed status page: status.indicator is missing or not one of none, minor, major, critical');
    expect(JSON.parse(r.stdout).pages[0]).toMatchObject({ error: expect.stringContaining('malformed') });
  });

  it('HTTP 500: exit 2 naming the status', async () => {
    const r = await runCli(['status', '--url', `${badUrl}/error/`, '--fail-on', 'critical']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: .*\/error\/api\/v2\/summary\.json: HTTP 500 Internal Server Error instead of a status page/);
  });

  it('a page that hangs: times out after --timeout, exit 2', async () => {
    const started = Date.now();
    const r = await runCli(['status', '--url', `${badUrl}/hang/`, '--timeout', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no answer within 1 s (timeout)');
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('unreachable: exit 2; one bad page fails the run even when another is fine', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await runCli(['status', '--url', emu.url, '--url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`http://127.0.0.1:${port}/api/v2/summary.json: unreachable (ECONNREFUSED)`);
    expect(r.stdout).toContain('All Systems Operational'); // the good page is still reported
  });

  it('rejects a --fail-on level it does not know', async () => {
    const r = await runCli(['status', '--url', emu.url, '--fail-on', 'purple']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--fail-on');
  });
});

describe('vipps-devkit faults', () => {
  it('adds, lists and clears faults and maintenance; the status page follows', async () => {
    const add = await runCli(['faults', 'add', 'errors', '--api', 'epayment', '--rate', '1', '--status', '503', '--url', emu.url, '--json']);
    expect(add.code, add.stderr).toBe(0);
    const { fault: f, incident } = JSON.parse(add.stdout);
    expect(f.type).toBe('errors');
    expect((await emu.call('GET', '/epayment/v1/payments/x')).status).toBe(503);
    const unresolved = (await http(`${emu.url}/api/v2/incidents/unresolved.json`, { method: 'GET' })).body;
    expect(unresolved.incidents.map((i: any) => i.id)).toEqual([incident.id]);

    const list = await runCli(['faults', 'list', '--url', emu.url]);
    expect(list.stdout).toContain(`${f.id}  errors`);
    expect(list.stdout).toContain('100% of requests to ePayment API failing with HTTP 503');

    const bad = await runCli(['faults', 'add', 'latency', '--api', 'epayment', '--url', emu.url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('faults add latency: a latency fault needs --ms');

    const clear = await runCli(['faults', 'clear', f.id, '--url', emu.url]);
    expect(clear.code).toBe(0);
    expect(clear.stdout).toContain(`incident ${incident.id} resolved`);
    expect((await emu.call('GET', '/epayment/v1/payments/nothing-here')).status).toBe(404);

    const m = await runCli(['faults', 'maintenance', 'add', '--in', '1h', '--duration', '30m', '--apis', 'epayment,webhooks', '--name', 'Planned work', '--url', emu.url]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/maintenance [a-z0-9]{12} "Planned work" scheduled/);
    const upcoming = (await http(`${emu.url}/api/v2/scheduled-maintenances/upcoming.json`, { method: 'GET' })).body;
    expect(upcoming.scheduled_maintenances.map((x: any) => x.name)).toEqual(['Planned work']);
  });
});
