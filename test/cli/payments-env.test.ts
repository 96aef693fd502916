import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { http, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu?.close());

describe('vipps-devkit payments approve|reject', () => {
  it('decides as the user; the payment says so; an unknown reference exits 1 with the reason', async () => {
    const { reference } = await emu.createPayment();
    const approved = await runCli(['payments', 'approve', reference, '--url', emu.url]);
    expect({ code: approved.code, stderr: approved.stderr }).toEqual({ code: 0, stderr: '' });
    expect(approved.stdout).toMatch(new RegExp(`^${reference}: AUTHORIZED by \\d+`));
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).body.state).toBe('AUTHORIZED');

    const other = await emu.createPayment();
    const rejected = JSON.parse((await runCli(['payments', 'reject', other.reference, '--json', '--url', emu.url])).stdout);
    expect(rejected.state).toBe('ABORTED');

    const unknown = await runCli(['payments', 'approve', 'no-such-payment', '--url', emu.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No payment has the reference no-such-payment');
  });
});

describe('vipps-devkit env', () => {
  it('prints working keys as a .env file', async () => {
    const res = await runCli(['env', '--url', emu.url]);
    expect(res.code, res.stderr).toBe(0);
    const vars = Object.fromEntries(res.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(vars.VIPPS_BASE_URL).toBe(emu.url);
    const unquote = (v: string) => (v.startsWith('"') ? JSON.parse(v) : v);
    const token = await http(`${vars.VIPPS_BASE_URL}/accesstoken/get`, {
      method: 'POST',
      headers: { client_id: unquote(vars.VIPPS_CLIENT_ID!), client_secret: unquote(vars.VIPPS_CLIENT_SECRET!), 'ocp-apim-subscription-key': unquote(vars.VIPPS_SUBSCRIPTION_KEY!) },
    });
    expect(token.status).toBe(200);
    expect(vars.VIPPS_MERCHANT_SERIAL_NUMBER).toBe(emu.merchant.msn);
  });
});
