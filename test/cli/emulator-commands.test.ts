import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { startReceiver } from '../helpers/receiver.js';

let emu: TestEmulator;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let reference: string;

beforeAll(async () => {
  emu = await startTestEmulator({ dnsPort: 0 });
  receiver = await startReceiver(() => 200);
  await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['epayments.payment.created.v1'] } });
  ({ reference } = await emu.createPayment());
  await receiver.until((r) => r.some((x) => x.json?.reference === reference));
});
afterAll(async () => {
  await receiver?.close();
  await emu?.close();
});

describe('vipps-devkit deliveries tail', () => {
  it('prints the delivery log as lines, and as JSON Lines with --json', async () => {
    // The attempt is recorded just after the receiver answered.
    await expect
      .poll(async () => (await emu.call('GET', `/devkit/v1/deliveries?reference=${reference}`)).body.attempts.length, { timeout: 5_000, interval: 50 })
      .toBeGreaterThan(0);
    const text = await runCli(['deliveries', 'tail', '--once', '--url', emu.url, '--reference', reference]);
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: '' });
    const active = emu.ctx.servers.deliveryServer();
    expect(text.stdout).toContain('epayments.payment.created.v1');
    expect(text.stdout).toContain(`from ${active.hostname} (${active.address})`);
    expect(text.stdout).toMatch(/ 200 +#1 /);

    const json = await runCli(['deliveries', 'tail', '--once', '--json', '--url', emu.url]);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((a) => a.reference === reference && a.response.status === 200)).toBe(true);
  });

  it('fails with a clear message when no emulator answers', async () => {
    const res = await runCli(['deliveries', 'tail', '--once', '--url', 'http://127.0.0.1:9']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('cannot reach the emulator at http://127.0.0.1:9');
  });
});

describe('vipps-devkit servers active', () => {
  it('shows the request-server table, the active server and the DNS port', async () => {
    const res = await runCli(['servers', 'active', '--url', emu.url]);
    expect(res.code).toBe(0);
    const active = emu.ctx.servers.deliveryServer();
    expect(res.stdout).toMatch(new RegExp(`mt +${active.hostname.replace(/\./g, '\\.')} +${active.address.replace(/\./g, '\\.')} +active`));
    expect(res.stdout.split('\n').filter((l) => /^(prod|dr|mt) +callback-/.test(l))).toHaveLength(12);
    expect(res.stdout).toContain(`127.0.0.1:${emu.ctx.dns!.port}`);
    const json = JSON.parse((await runCli(['servers', 'active', '--json', '--url', emu.url])).stdout);
    expect(json.deliveringFrom).toEqual(active);
  });
});
