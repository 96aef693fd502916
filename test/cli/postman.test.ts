import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_VARIABLES } from '../../src/tools/postman/environment.js';
import { runCli } from '../helpers/cli.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
let dir: string;
beforeAll(async () => {
  emu = await startTestEmulator();
  dir = await mkdtemp(path.join(os.tmpdir(), 'devkit-postman-cli-'));
});
afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const valuesOf = (env: { values: Array<{ key: string; value: string; type: string; enabled: boolean }> }) => Object.fromEntries(env.values.map((v) => [v.key, v.value]));

describe('vipps-devkit postman', () => {
  it('writes a Postman environment for the running emulator: keys, MSN, a test user, the shop URLs', async () => {
    const file = path.join(dir, 'devkit.postman_environment.json');
    const run = await runCli(['postman', '--url', emu.url, '--output', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Wrote ${file}`);
    const env = JSON.parse(await readFile(file, 'utf8'));
    expect(env).toMatchObject({ name: `Vipps Devkit (${emu.url})`, _postman_variable_scope: 'environment', id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const v = valuesOf(env);
    expect(v).toMatchObject({
      base_url: emu.url,
      merchantSerialNumber: emu.merchant.msn,
      client_id: emu.merchant.clientId,
      client_secret: emu.merchant.clientSecret,
      'Ocp-Apim-Subscription-Key': emu.merchant.subscriptionKey,
      internationalMobileNumber: '4797777776',
      mobileNumber: '97777776',
      callbackPrefix: 'https://example.com/callbacks-for-payment-update-from-vipps',
      currency: 'NOK',
    });
    for (const key of RUNTIME_VARIABLES) expect(v[key]).toBe('');
    expect(env.values.filter((x: { type: string }) => x.type === 'secret').map((x: { key: string }) => x.key).sort()).toEqual(['Ocp-Apim-Subscription-Key', 'client_secret']);
  });

  it('--output - prints it; --phone, --base-url and --merchant-url choose the values', async () => {
    const run = await runCli(['postman', '--url', emu.url, '-o', '-', '--phone', '4791234567', '--base-url', 'http://devkit.test:8765', '--merchant-url', 'http://localhost:3000/vipps/', '--name', 'Mine']);
    expect(run.code, run.stderr).toBe(0);
    const env = JSON.parse(run.stdout);
    expect(env.name).toBe('Mine');
    expect(valuesOf(env)).toMatchObject({ base_url: 'http://devkit.test:8765', internationalMobileNumber: '4791234567', mobileNumber: '91234567', callbackPrefix: 'http://localhost:3000/vipps/callbacks-for-payment-update-from-vipps', fallBack: expect.stringMatching(/^http:\/\/localhost:3000\/vipps\//) });
  });

  it('says what is wrong: an unknown merchant or user, no emulator', async () => {
    const msn = await runCli(['postman', '--url', emu.url, '-o', '-', '--msn', '999999']);
    expect(msn.code).toBe(1);
    expect(msn.stderr).toContain('has no merchant 999999');
    const phone = await runCli(['postman', '--url', emu.url, '-o', '-', '--phone', '4700000000']);
    expect(phone.code).toBe(1);
    expect(phone.stderr).toContain('has no test user 4700000000');
    const gone = await runCli(['postman', '--url', 'http://127.0.0.1:9', '-o', '-']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('cannot reach the emulator');
  });
});
