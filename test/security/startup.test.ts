/**
 * Finding 1 of issue 13, the data directory: a clock jump past the Date range was saved before it
 * failed, and the directory could not start again (`RangeError: Invalid time value`); only deleting
 * the data helped. Now the jump is refused and nothing is saved, and a directory that cannot start
 * says why and how to repair it (`serve`'s message, `vipps-devkit doctor [--repair]`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startServeProcess, stopProcess, type Banner } from '../helpers/cli.js';
import { http } from '../helpers/emulator.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'devkit-startup-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const advance = (b: Banner, body: unknown) => http(`${b.url}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at [\w.<]+ \(|RangeError: Invalid time value/);

async function createPayment(b: Banner, reference: string) {
  const token = (await http(`${b.url}/accesstoken/get`, { method: 'POST', headers: { client_id: b.clientId, client_secret: b.clientSecret, 'ocp-apim-subscription-key': b.subscriptionKey } })).body.access_token;
  const headers = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': b.subscriptionKey, 'merchant-serial-number': b.merchantSerialNumber, 'content-type': 'application/json' };
  const created = await http(`${b.url}/epayment/v1/payments`, {
    method: 'POST',
    headers: { ...headers, 'idempotency-key': reference },
    body: JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' }),
  });
  expect(created.status, created.text).toBe(201);
}

describe('finding 1: a data directory survives an out-of-range clock jump', () => {
  it('the refused jump is not saved: the directory starts again with the same clock', async () => {
    const dir = tempDir();
    const first = await startServeProcess(['--data-dir', dir, '--no-dns']);
    let offset: number;
    try {
      expect((await advance(first.banner, { seconds: 60 })).status).toBe(200);
      expect((await advance(first.banner, { seconds: 9007199254740993 })).status).toBe(400);
      expect((await advance(first.banner, { duration: '999999999d' })).status).toBe(400);
      offset = (await http(`${first.banner.url}/devkit/v1/clock`, {})).body.offsetMilliseconds;
      expect(offset).toBe(60_000);
    } finally {
      await stopProcess(first.child);
    }
    const again = await startServeProcess(['--data-dir', dir, '--no-dns']);
    try {
      expect((await http(`${again.banner.url}/devkit/v1/clock`, {})).body.offsetMilliseconds).toBe(offset);
      expect((await http(`${again.banner.url}/accesstoken/get`, { method: 'POST', headers: { client_id: again.banner.clientId, client_secret: again.banner.clientSecret, 'ocp-apim-subscription-key': again.banner.subscriptionKey } })).status).toBe(200);
    } finally {
      await stopProcess(again.child);
    }
  });

  it('a directory saved with a broken clock (by an older version) says why and how; doctor --repair fixes it, keeping the data', async () => {
    const dir = tempDir();
    const first = await startServeProcess(['--data-dir', dir, '--no-dns']);
    try {
      await createPayment(first.banner, 'order-kept-000001');
    } finally {
      await stopProcess(first.child);
    }
    // What the old bug left behind: an offset past the Date range.
    const db = new BetterSqlite3(path.join(dir, 'devkit.sqlite'));
    db.prepare("update settings set value = '9007199254740993000' where key = 'clock_offset_ms'").run();
    if (db.prepare("select 1 from settings where key = 'clock_offset_ms'").get() === undefined) db.prepare("insert into settings (key, value) values ('clock_offset_ms', '9007199254740993000')").run();
    db.close();

    const refused = await runCli(['serve', '--data-dir', dir, '--no-dns', '--port', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/could not start: The simulated clock saved in the database is out of range/);
    expect(refused.stderr).toContain('vipps-devkit doctor --repair');
    noStackTrace(refused.stderr);

    const diagnosed = await runCli(['doctor', '--data-dir', dir]);
    expect(diagnosed.code).toBe(1);
    expect(diagnosed.stdout).toMatch(/PROBLEM\s+clock: the saved offset 9007199254740993000 ms is out of range/);
    expect(diagnosed.stdout).toMatch(/repair: vipps-devkit doctor --repair/);

    const repaired = await runCli(['doctor', '--data-dir', dir, '--repair']);
    expect(repaired.code, repaired.stdout + repaired.stderr).toBe(0);
    expect(repaired.stdout).toMatch(/REPAIRED clock/);
    expect((await runCli(['doctor', '--data-dir', dir, '--json'])).stdout).toContain('"healthy":true');

    const again = await startServeProcess(['--data-dir', dir, '--no-dns']);
    try {
      expect((await http(`${again.banner.url}/devkit/v1/clock`, {})).body.offsetMilliseconds).toBe(0);
      const token = (await http(`${again.banner.url}/accesstoken/get`, { method: 'POST', headers: { client_id: again.banner.clientId, client_secret: again.banner.clientSecret, 'ocp-apim-subscription-key': again.banner.subscriptionKey } })).body.access_token;
      const kept = await http(`${again.banner.url}/epayment/v1/payments/order-kept-000001`, { headers: { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': again.banner.subscriptionKey, 'merchant-serial-number': again.banner.merchantSerialNumber } });
      expect(kept.status).toBe(200);
    } finally {
      await stopProcess(again.child);
    }
  });

  it('a damaged database: serve and doctor say so and how to start afresh, without a stack trace', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'devkit.sqlite'), Buffer.alloc(8192, 0x5a));
    const refused = await runCli(['serve', '--data-dir', dir, '--no-dns', '--port', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/could not start: The database in the data directory .* is damaged or is not a Vipps Devkit database/);
    noStackTrace(refused.stderr);
    const diagnosed = await runCli(['doctor', '--data-dir', dir]);
    expect(diagnosed.code).toBe(1);
    expect(diagnosed.stdout).toMatch(/PROBLEM\s+database: .* is damaged or not a Vipps Devkit database/);
    expect(diagnosed.stdout).toMatch(/repair: Move the directory aside/);
  });

  it('doctor on a directory serve has not made yet: nothing to repair', async () => {
    const res = await runCli(['doctor', '--data-dir', path.join(tempDir(), 'not-yet')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/does not exist yet: serve creates it/);
  });
});
