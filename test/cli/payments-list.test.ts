import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startReceiver } from '../helpers/receiver.js';

let emu: TestEmulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  emu = await startTestEmulator();
  receiver = await startReceiver();
  expect((await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.authorized.v1'] } })).status).toBe(201);
  for (const [reference, paymentDescription] of [['cli-list-0001', 'Mittens'], ['cli-list-0002', 'Boots'], ['cli-list-0003', 'Mittens XL']] as const) {
    expect((await emu.createPayment({ reference, paymentDescription })).response.status).toBe(201);
  }
  expect((await http(`${emu.url}/devkit/v1/payments/cli-list-0002/approve`, { method: 'POST' })).status).toBe(200);
  await receiver.until((r) => r.length === 1);
});
afterAll(async () => {
  await receiver?.close();
  await emu?.close();
});

describe('vipps-devkit payments list|get', () => {
  it('lists payments newest first, filtered, paged, and as JSON', async () => {
    const all = await runCli(['payments', 'list', '--url', emu.url]);
    expect({ code: all.code, stderr: all.stderr }).toEqual({ code: 0, stderr: '' });
    expect(all.stdout.trim().split('\n').map((l) => l.split(/\s+/)[5])).toEqual(['cli-list-0003', 'cli-list-0002', 'cli-list-0001']);
    expect(all.stdout).toMatch(/AUTHORIZED\s+10\.00 NOK\s+\d+\s+cli-list-0002\s+Boots/);

    const mittens = JSON.parse((await runCli(['payments', 'list', '--search', 'mittens', '--state', 'CREATED', '--json', '--url', emu.url])).stdout);
    expect(mittens.items.map((p: { id: string }) => p.id)).toEqual(['cli-list-0003', 'cli-list-0001']);

    const first = await runCli(['payments', 'list', '--limit', '2', '--url', emu.url]);
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toBeDefined();
    const rest = await runCli(['payments', 'list', '--limit', '2', '--cursor', cursor!, '--url', emu.url]);
    expect(rest.stdout).toContain('cli-list-0001');
    expect(rest.stdout).not.toContain('cli-list-0003');

    const bad = await runCli(['payments', 'list', '--limit', '0', '--url', emu.url]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--limit');
  });

  it('shows one payment with its events and deliveries; replays a delivery to the receiver', async () => {
    const shown = await runCli(['payments', 'get', 'cli-list-0002', '--url', emu.url]);
    expect({ code: shown.code, stderr: shown.stderr }).toEqual({ code: 0, stderr: '' });
    expect(shown.stdout).toMatch(/^cli-list-0002: AUTHORIZED, 10\.00 NOK/);
    expect(shown.stdout).toMatch(/CREATED[\s\S]*AUTHORIZED/);
    expect(shown.stdout).toMatch(/epayments\.payment\.authorized\.v1\s+delivered after 1 attempt/);

    const json = JSON.parse((await runCli(['payments', 'get', 'cli-list-0002', '--json', '--url', emu.url])).stdout);
    const delivery = json.deliveries.deliveries[0];
    const replayed = await runCli(['deliveries', 'replay', delivery.id, '--url', emu.url]);
    expect({ code: replayed.code, stderr: replayed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(replayed.stdout).toContain(`replaying epayments.payment.authorized.v1 of cli-list-0002 to ${receiver.url()}`);
    const both = await receiver.until((r) => r.length === 2);
    expect(both[1]!.body).toBe(both[0]!.body);

    const unknown = await runCli(['payments', 'get', 'no-such-payment', '--url', emu.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No payment no-such-payment');
    const noDelivery = await runCli(['deliveries', 'replay', 'nope', '--url', emu.url]);
    expect(noDelivery.code).toBe(1);
    expect(noDelivery.stderr).toContain('No delivery nope');
  });
});
