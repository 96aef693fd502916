/**
 * A machine where the request servers' 127.x addresses do not exist (macOS has only 127.0.0.1 on
 * lo0), made for real: a network namespace whose loopback holds 127.0.0.1/32 alone. The emulator
 * runs inside it; its webhooks must still arrive (from 127.0.0.1), with one warning that says why.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';
import { skipNote } from '../helpers/skip.js';
import { deleteNetns, netnsUnavailable, requireNetns, run } from '../tools/allowlist/system-tools.js';

const skipReason = await netnsUnavailable();
let ns: string | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'devkit-nosrc-'));
afterAll(async () => {
  if (ns) await deleteNetns(ns);
  rmSync(dir, { recursive: true, force: true });
});

// Runs inside the namespace: an emulator from the built package, a receiver, two payments approved.
const SCRIPT = `
import http from 'node:http';
import { startEmulator } from ${JSON.stringify(path.join(repoRoot, 'dist/src/testing/index.js'))};
const seen = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c)).on('end', () => { seen.push({ from: req.socket.remoteAddress, reference: JSON.parse(body).reference }); res.end('ok'); });
}).listen(0, '127.0.0.1');
await new Promise((r) => receiver.once('listening', r));
const vipps = await startEmulator();
const headers = { ...(await vipps.apiHeaders()), 'content-type': 'application/json' };
await fetch(vipps.url + '/webhooks/v1/webhooks', { method: 'POST', headers, body: JSON.stringify({ url: 'http://127.0.0.1:' + receiver.address().port + '/hooks', events: ['epayments.payment.authorized.v1'] }) });
for (const reference of ['no-source-1', 'no-source-2']) {
  const created = await fetch(vipps.url + '/epayment/v1/payments', { method: 'POST', headers: { ...headers, 'idempotency-key': reference }, body: JSON.stringify({ amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/r' }) });
  if (created.status !== 201) throw new Error('create: ' + created.status);
  await vipps.approvePayment(reference);
  await vipps.waitForDelivery({ reference, status: 200 });
}
console.log(JSON.stringify(seen));
await vipps.close();
receiver.close();
`;

describe.skipIf(skipReason !== undefined)(`deliveries on a machine without the 127.x source addresses${skipNote(skipReason)}`, () => {
  it('arrive from 127.0.0.1, after one warning that names the missing address and the fix', { timeout: 60_000 }, async () => {
    ns = await requireNetns('vdk-nosrc');
    for (const args of [['link', 'set', 'lo', 'up'], ['addr', 'del', '127.0.0.1/8', 'dev', 'lo'], ['addr', 'add', '127.0.0.1/32', 'dev', 'lo']]) {
      const r = await run('ip', ['-n', ns, ...args]);
      expect(r.code, `ip ${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    // The namespace is as macOS is: 127.30.1.1 cannot be bound there.
    const bind = await run('ip', ['netns', 'exec', ns, process.execPath, '-e', "require('net').createServer().listen(0, '127.30.1.1').on('error', (e) => { console.log(e.code); process.exit(0); }).on('listening', () => { console.log('bound'); process.exit(0); })"]);
    expect(bind.stdout.trim()).toBe('EADDRNOTAVAIL');

    const script = path.join(dir, 'deliver.mjs');
    writeFileSync(script, SCRIPT);
    const result = await run('ip', ['netns', 'exec', ns, process.execPath, script], undefined, 45_000);
    expect(result.code, result.stderr).toBe(0);
    const seen = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Array<{ from: string; reference: string }>;
    expect(seen).toEqual([
      { from: '127.0.0.1', reference: 'no-source-1' },
      { from: '127.0.0.1', reference: 'no-source-2' },
    ]);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('has no loopback address'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('127.30.1.1');
    expect(warnings[0]).toContain('sudo ifconfig lo0 alias 127.30.1.1 up');
  });
});
