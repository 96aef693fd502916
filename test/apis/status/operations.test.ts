/**
 * Operations over real HTTP on 127.0.0.1: the statuspage.io-compatible status API, faults and the
 * incidents they open, latency / error rate / outage injection, failover of deliveries to DR,
 * maintenance windows that follow the clock, and persistence across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../../src/apis/index.js';
import { http, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { startReceiver } from '../../helpers/receiver.js';
import { endpointSchemas, schemaErrors, type StatusEndpoint } from '../../helpers/statuspage-schemas.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ retryCompression: 1000, deliveryTimeoutMs: 2000 });
});
afterEach(async () => {
  await emu.call('POST', '/devkit/v1/reset');
});
afterAll(async () => {
  await emu?.close();
});

const ENDPOINTS = Object.keys(endpointSchemas) as StatusEndpoint[];
const COMPONENT_TITLES = MODULES.filter((m) => m.statusComponent !== false).map((m) => m.title);
const get = (p: string) => http(`${emu.url}${p}`, { method: 'GET' });
async function statusApi(p: StatusEndpoint) {
  const res = await get(p);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(schemaErrors(p, res.body), `${p} does not match statuspage's shape`).toBe('');
  return res.body;
}
const addFault = async (body: Record<string, unknown>) => {
  const res = await emu.call('POST', '/devkit/v1/faults', { body, anonymous: true });
  expect(res.status, res.text).toBe(201);
  return res.body as { fault: { id: string; type: string }; incident: any };
};
const clearFault = (id: string) => emu.call('DELETE', `/devkit/v1/faults/${id}`, { anonymous: true });
const componentsByName = async () => {
  const { components } = await statusApi('/api/v2/components.json');
  const groups = new Map<string, string>(components.filter((c: any) => c.group).map((g: any) => [g.id, g.name]));
  return new Map<string, string>(components.filter((c: any) => !c.group).map((c: any) => [`${groups.get(c.group_id)} / ${c.name}`, c.status]));
};
const MT_EPAYMENT = 'MT (merchant test) / ePayment API';

describe('status API (statuspage.io v2 shapes)', () => {
  it('answers every endpoint in the documented shape, all green when nothing is injected', async () => {
    for (const p of ENDPOINTS) await statusApi(p);
    const status = await statusApi('/api/v2/status.json');
    expect(status.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
    expect(status.page.url).toBe(`${emu.url}/status`);
    const { components } = await statusApi('/api/v2/components.json');
    const groups = components.filter((c: any) => c.group);
    expect(groups.map((g: any) => g.name)).toEqual(['MT (merchant test)', 'Production', 'Production DR (disaster recovery)']);
    for (const g of groups) {
      const children = components.filter((c: any) => c.group_id === g.id).map((c: any) => c.name);
      // One component per registered module, in the registry's order (a new API is its folder plus a registry line).
      expect(children).toEqual(COMPONENT_TITLES);
      expect(children.slice(0, 5)).toEqual(['Access Token API', 'ePayment API', 'Webhooks API and callbacks', 'Landing page and Vipps app', 'eCom API']);
      expect(g.components).toHaveLength(COMPONENT_TITLES.length);
    }
    expect(components.every((c: any) => c.status === 'operational')).toBe(true);
    expect(new Set(components.map((c: any) => c.position)).size).toBe(components.length);
    const summary = await statusApi('/api/v2/summary.json');
    expect(summary.incidents).toEqual([]);
    expect(summary.scheduled_maintenances).toEqual([]);
  });

  it('is served without credentials and never faulted, even when every API is down', async () => {
    const f = await addFault({ type: 'outage', api: 'epayment', mode: '503' });
    await addFault({ type: 'errors', api: 'accesstoken', rate: 1, status: 500 });
    for (const p of ENDPOINTS) expect((await get(p)).status).toBe(200);
    expect((await get('/status')).status).toBe(200);
    expect((await emu.call('GET', '/devkit/v1/faults', { anonymous: true })).body.faults).toHaveLength(2);
    expect(f.fault.id).toMatch(/^[a-z0-9]{12}$/);
  });
});

describe('incident lifecycle', () => {
  it('a fault opens an incident, clearing it resolves the incident; the page tells the truth throughout', async () => {
    const { fault, incident } = await addFault({ type: 'errors', api: 'epayment', rate: 1, status: 500 });
    expect(incident.status).toBe('investigating');
    expect(incident.impact).toBe('critical');
    expect(incident.resolved_at).toBeNull();
    expect(incident.name).toBe('Elevated error rates on ePayment API in MT');

    const unresolved = await statusApi('/api/v2/incidents/unresolved.json');
    expect(unresolved.incidents.map((i: any) => i.id)).toEqual([incident.id]);
    const open = unresolved.incidents[0];
    expect(open.incident_updates).toHaveLength(1);
    expect(open.incident_updates[0]).toMatchObject({ status: 'investigating', incident_id: incident.id });
    expect(open.incident_updates[0].affected_components).toEqual([expect.objectContaining({ name: 'ePayment API (MT)', old_status: 'operational', new_status: 'major_outage' })]);
    expect(open.components.map((c: any) => [c.name, c.status])).toEqual([['ePayment API', 'major_outage']]);
    expect((await statusApi('/api/v2/status.json')).status).toEqual({ indicator: 'critical', description: 'Major Service Outage' });
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('major_outage');
    expect((await statusApi('/api/v2/summary.json')).incidents).toHaveLength(1);

    // The fault itself: ePayment answers 500 in its own shape (Problem JSON).
    const failed = await emu.call('GET', '/epayment/v1/payments/nothing-here');
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(failed.body).toMatchObject({ status: 500, title: 'Internal Server Error', instance: '/epayment/v1/payments/nothing-here' });

    const cleared = await clearFault(fault.id);
    expect(cleared.status).toBe(200);
    expect(cleared.body.incident.status).toBe('resolved');
    expect((await clearFault(fault.id)).status).toBe(404);

    expect((await statusApi('/api/v2/incidents/unresolved.json')).incidents).toEqual([]);
    const all = await statusApi('/api/v2/incidents.json');
    const resolved = all.incidents.find((i: any) => i.id === incident.id);
    expect(resolved.status).toBe('resolved');
    expect(resolved.resolved_at).toEqual(expect.any(String));
    expect(resolved.incident_updates.map((u: any) => u.status)).toEqual(['resolved', 'investigating']);
    expect(resolved.incident_updates[0].affected_components[0]).toMatchObject({ old_status: 'major_outage', new_status: 'operational' });
    expect((await statusApi('/api/v2/status.json')).status.indicator).toBe('none');
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('operational');
    expect((await emu.call('GET', '/epayment/v1/payments/nothing-here')).status).toBe(404);
  });

  it('times come from the emulator clock', async () => {
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '3d' }, anonymous: true });
    const clock = (await emu.call('GET', '/devkit/v1/clock', { anonymous: true })).body.now as string;
    const { incident } = await addFault({ type: 'latency', api: 'webhooks', latencyMs: 1 });
    expect(Math.abs(Date.parse(incident.created_at) - Date.parse(clock))).toBeLessThan(5_000);
    expect(Date.parse(incident.created_at) - Date.now()).toBeGreaterThan(2.9 * 86_400_000);
    expect(incident.impact).toBe('minor');
    expect((await statusApi('/api/v2/status.json')).status).toEqual({ indicator: 'minor', description: 'Minor Service Outage' });
  });

  it('rejects faults that make no sense with a Problem naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'latency', api: 'epayment' }, 'latencyMs'],
      [{ type: 'errors', api: 'nope', rate: 0.5 }, 'api'],
      [{ type: 'errors', api: 'epayment', rate: 2 }, 'rate'],
      [{ type: 'errors', endpoint: 'GET /devkit/v1/clock' }, 'endpoint'],
      [{ type: 'environment', environment: 'dr' }, 'environment'],
      [{ type: 'outage', api: 'epayment', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await emu.call('POST', '/devkit/v1/faults', { body, anonymous: true });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.extraDetails.map((d: any) => d.name), JSON.stringify(body)).toContain(field);
    }
    expect((await emu.call('GET', '/devkit/v1/faults', { anonymous: true })).body.faults).toEqual([]);
    expect((await statusApi('/api/v2/incidents.json')).incidents).toEqual([]);
  });
});

describe('injected faults on the request path', () => {
  it('latency: a request to the faulted endpoint takes at least the injected delay; others do not', async () => {
    const { reference } = await emu.createPayment();
    await addFault({ type: 'latency', endpoint: 'GET /epayment/v1/payments/:reference', latencyMs: 400 });
    const t0 = performance.now();
    const slow = await emu.call('GET', `/epayment/v1/payments/${reference}`);
    const took = performance.now() - t0;
    expect(slow.status).toBe(200);
    expect(took).toBeGreaterThanOrEqual(400);
    // The event log is another endpoint of the same API: not delayed.
    const t1 = performance.now();
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).status).toBe(200);
    expect(performance.now() - t1).toBeLessThan(400);
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('degraded_performance');
  });

  it('latency from a distribution stays within its bounds', async () => {
    await addFault({ type: 'latency', api: 'accesstoken', distribution: 'uniform', min: 150, max: 250 });
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await emu.fetchToken();
      times.push(performance.now() - t0);
    }
    expect(Math.min(...times)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...times)).toBeLessThan(250 + 200);
  });

  it('error rate 50%: about half of 1,000 requests fail, each in the API\'s own error shape', async () => {
    // Ten payments, 100 reads each: under getPayment's rate limit of 120 a minute per reference.
    const references = await Promise.all(Array.from({ length: 10 }, async () => (await emu.createPayment()).reference));
    await addFault({ type: 'errors', api: 'epayment', rate: 0.5, status: 503, message: 'Chaos monkey' });
    const statuses: number[] = [];
    let problemsOk = 0;
    const worker = async (n: number, reference: string) => {
      for (let i = 0; i < n; i++) {
        const r = await emu.call('GET', `/epayment/v1/payments/${reference}`);
        statuses.push(r.status);
        if (r.status === 503 && r.body.status === 503 && r.body.title === 'Service Unavailable' && r.body.detail === 'Chaos monkey' && typeof r.body.traceId === 'string') problemsOk++;
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, w) => worker(50, references[w % 10]!)));
    const failed = statuses.filter((s) => s === 503).length;
    expect(statuses).toHaveLength(1000);
    expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    // Binomial(1000, 0.5): sd ≈ 15.8, so 440–560 is ±3.8 sd.
    expect(failed).toBeGreaterThanOrEqual(440);
    expect(failed).toBeLessThanOrEqual(560);
    expect(problemsOk).toBe(failed);
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('partial_outage');
  });

  it('errors on the Access Token API come in the gateway\'s body; on the user side as a page', async () => {
    await addFault({ type: 'errors', api: 'accesstoken', rate: 1, status: 502 });
    const m = emu.merchant;
    const res = await http(`${emu.url}/accesstoken/get`, { method: 'POST', headers: { client_id: m.clientId, client_secret: m.clientSecret, 'Ocp-Apim-Subscription-Key': m.subscriptionKey } });
    expect(res.status).toBe(502);
    expect(Object.keys(res.body).sort()).toEqual(['message', 'statusCode']);
    expect(res.body.statusCode).toBe(502);
    await addFault({ type: 'outage', api: 'userside', mode: '503' });
    const page = await get('/app');
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Service Unavailable');
  });

  it('outage: the connection is reset (or 503), while the control API and status page keep answering', async () => {
    const { reference } = await emu.createPayment();
    const reset = await addFault({ type: 'outage', api: 'epayment' });
    const err = await emu.call('GET', `/epayment/v1/payments/${reference}`).then(
      () => undefined,
      (e: Error & { cause?: { code?: string } }) => e,
    );
    expect(err, 'the request should fail without an answer').toBeDefined();
    expect(String(err!.cause?.code ?? err!.cause)).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed/);
    expect((await emu.call('GET', '/devkit/v1/clock', { anonymous: true })).status).toBe(200);
    expect((await emu.call('GET', '/webhooks/v1/webhooks')).status).toBe(200); // another API is fine
    await clearFault(reset.fault.id);

    await addFault({ type: 'outage', endpoint: 'POST /epayment/v1/payments/:reference/capture', mode: '503' });
    const capture = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: 'k1', body: { modificationAmount: { currency: 'NOK', value: 100 } } });
    expect(capture.status).toBe(503);
    expect(capture.body).toMatchObject({ status: 503, title: 'Service Unavailable' });
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(200);
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('partial_outage');
  });
});

describe('deliveries under faults', () => {
  async function hookedReceiver() {
    const receiver = await startReceiver();
    const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.created.v1'] } });
    expect(hook.status).toBe(201);
    return receiver;
  }

  it('an environment outage moves deliveries to DR source addresses, and back when cleared', async () => {
    const receiver = await hookedReceiver();
    try {
      await emu.createPayment();
      await receiver.until((r) => r.length === 1);
      expect(receiver.received[0]!.remoteAddress).toMatch(/^127\.30\./);

      const { fault, incident } = await addFault({ type: 'environment', environment: 'mt' });
      expect(incident.name).toMatch(/MT \(merchant test\) environment outage/);
      const servers = (await emu.call('GET', '/devkit/v1/request-servers', { anonymous: true })).body;
      expect(servers.deliveringFrom.environment).toBe('dr');
      await emu.createPayment();
      await emu.createPayment();
      await receiver.until((r) => r.length === 3);
      expect(receiver.received.slice(1).map((r) => r.remoteAddress.split('.').slice(0, 2).join('.'))).toEqual(['127.20', '127.20']);
      const names = await componentsByName();
      expect(names.get('MT (merchant test) / Webhooks API and callbacks')).toBe('major_outage');
      expect(names.get('Production DR (disaster recovery) / Webhooks API and callbacks')).toBe('operational');
      const attempts = (await emu.call('GET', '/devkit/v1/deliveries', { anonymous: true })).body.attempts;
      expect(attempts.slice(1).every((a: any) => a.source.environment === 'dr' && /^callback-dr-\d\.vipps\.no$/.test(a.source.hostname))).toBe(true);

      await clearFault(fault.id);
      await emu.createPayment();
      await receiver.until((r) => r.length === 4);
      expect(receiver.received[3]!.remoteAddress).toMatch(/^127\.30\./);
    } finally {
      await receiver.close();
    }
  });

  it('failing callbacks are retried and arrive once the fault is cleared; slow callbacks arrive late', async () => {
    const receiver = await hookedReceiver();
    try {
      const failing = await addFault({ type: 'callbacks', mode: 'fail' });
      const { reference } = await emu.createPayment();
      await expect.poll(async () => (await emu.call('GET', `/devkit/v1/deliveries?reference=${reference}`, { anonymous: true })).body.attempts.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      const attempts = (await emu.call('GET', `/devkit/v1/deliveries?reference=${reference}`, { anonymous: true })).body.attempts;
      expect(attempts[0].error).toContain(`injected fault ${failing.fault.id}`);
      expect(attempts[0].response).toBeNull();
      expect(receiver.received).toHaveLength(0);
      await clearFault(failing.fault.id);
      await receiver.until((r) => r.length === 1);

      await addFault({ type: 'callbacks', mode: 'slow', latencyMs: 600 });
      const before = Date.now();
      await emu.createPayment();
      await receiver.until((r) => r.length === 2);
      expect(receiver.received[1]!.at - before).toBeGreaterThanOrEqual(600);
    } finally {
      await receiver.close();
    }
  });
});

describe('scheduled maintenance follows the clock', () => {
  it('opens and closes with clock/advance; an unavailable window answers 503 while it runs', async () => {
    const { reference } = await emu.createPayment();
    const created = await emu.call('POST', '/devkit/v1/maintenances', {
      anonymous: true,
      body: { apis: ['epayment'], startsIn: '1h', duration: '2h', unavailable: true, name: 'Database upgrade' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.maintenance.id as string;
    expect(created.body.maintenance.status).toBe('scheduled');

    const upcoming = await statusApi('/api/v2/scheduled-maintenances/upcoming.json');
    expect(upcoming.scheduled_maintenances.map((m: any) => [m.id, m.status, m.impact])).toEqual([[id, 'scheduled', 'maintenance']]);
    expect((await statusApi('/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances).toEqual([]);
    expect((await statusApi('/api/v2/summary.json')).scheduled_maintenances).toHaveLength(1);
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).status).toBe(200);
    expect((await statusApi('/api/v2/status.json')).status.indicator).toBe('none');

    await emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration: '61m' } });
    const active = await statusApi('/api/v2/scheduled-maintenances/active.json');
    expect(active.scheduled_maintenances.map((m: any) => [m.id, m.status])).toEqual([[id, 'in_progress']]);
    expect(active.scheduled_maintenances[0].incident_updates.map((u: any) => u.status)).toEqual(['in_progress', 'scheduled']);
    expect((await statusApi('/api/v2/scheduled-maintenances/upcoming.json')).scheduled_maintenances).toEqual([]);
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('under_maintenance');
    expect((await statusApi('/api/v2/status.json')).status).toEqual({ indicator: 'minor', description: 'Service Under Maintenance' });
    const during = await emu.call('GET', `/epayment/v1/payments/${reference}`);
    expect(during.status).toBe(503);
    expect(during.body.detail).toContain('Database upgrade');
    // Other APIs are not in the window (a fresh token: the clock jumped past the old one's expiry).
    const fresh = { authorization: `Bearer ${await emu.fetchToken()}` };
    expect((await emu.call('GET', '/webhooks/v1/webhooks', { headers: fresh })).status).toBe(200);

    await emu.call('POST', '/devkit/v1/clock/advance', { anonymous: true, body: { duration: '2h' } });
    expect((await statusApi('/api/v2/scheduled-maintenances/active.json')).scheduled_maintenances).toEqual([]);
    const all = await statusApi('/api/v2/scheduled-maintenances.json');
    expect(all.scheduled_maintenances[0]).toMatchObject({ id, status: 'completed' });
    expect(all.scheduled_maintenances[0].incident_updates.map((u: any) => u.status)).toEqual(['completed', 'in_progress', 'scheduled']);
    expect((await componentsByName()).get(MT_EPAYMENT)).toBe('operational');
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`, { headers: { authorization: `Bearer ${await emu.fetchToken()}` } })).status).toBe(200);
    expect((await statusApi('/api/v2/status.json')).status.indicator).toBe('none');
  });

  it('a window can be cancelled before it starts', async () => {
    const created = await emu.call('POST', '/devkit/v1/maintenances', { anonymous: true, body: { startsIn: '1d', duration: '1h' } });
    expect(created.status).toBe(201);
    const del = await emu.call('DELETE', `/devkit/v1/maintenances/${created.body.maintenance.id}`, { anonymous: true });
    expect(del.body.deleted).toBe(true);
    expect((await statusApi('/api/v2/scheduled-maintenances.json')).scheduled_maintenances).toEqual([]);
  });
});

describe('persistence', () => {
  it('faults, incidents and maintenance survive a restart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'devkit-ops-'));
    const database = { kind: 'sqlite' as const, file: path.join(dir, 'devkit.sqlite') };
    try {
      const first = await startTestEmulator({ database });
      const added = await first.call('POST', '/devkit/v1/faults', { anonymous: true, body: { type: 'errors', api: 'epayment', rate: 1, status: 500 } });
      expect(added.status).toBe(201);
      await first.call('POST', '/devkit/v1/maintenances', { anonymous: true, body: { startsIn: '1d', duration: '1h' } });
      await first.close();

      const second = await startTestEmulator({ database });
      try {
        expect((await second.call('GET', '/devkit/v1/faults', { anonymous: true })).body.faults.map((f: any) => f.id)).toEqual([added.body.fault.id]);
        expect((await second.call('GET', '/epayment/v1/payments/x')).status).toBe(500);
        const unresolved = (await http(`${second.url}/api/v2/incidents/unresolved.json`, { method: 'GET' })).body;
        expect(unresolved.incidents.map((i: any) => i.id)).toEqual([added.body.incident.id]);
        expect((await http(`${second.url}/api/v2/scheduled-maintenances/upcoming.json`, { method: 'GET' })).body.scheduled_maintenances).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
