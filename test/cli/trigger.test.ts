/**
 * `vipps-devkit trigger EVENT` against a real `serve` process: the webhook reaches a real receiver,
 * signed; --help lists the events; --json says what was done and where the webhook went.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEmulator, startWebhookReceiver, type WebhookReceiver } from '../../src/testing/index.js';
import { runCli, startServeProcess, stopProcess } from '../helpers/cli.js';

let serve: Awaited<ReturnType<typeof startServeProcess>>;
let hooks: WebhookReceiver;

beforeAll(async () => {
  serve = await startServeProcess(['--ephemeral']);
  hooks = await startWebhookReceiver();
  const emulator = connectEmulator(serve.banner.url);
  const res = await fetch(`${serve.banner.url}/webhooks/v1/webhooks`, {
    method: 'POST',
    headers: { ...(await emulator.apiHeaders()), 'content-type': 'application/json' },
    body: JSON.stringify({ url: hooks.url, events: ['epayments.payment.captured.v1', 'epayments.payment.refunded.v1'] }),
  });
  hooks.secret = ((await res.json()) as { secret: string }).secret;
}, 60_000);
afterAll(async () => {
  await hooks?.close();
  if (serve) await stopProcess(serve.child);
});

const trigger = (...args: string[]) => runCli(['trigger', ...args, '--url', serve.banner.url]);

describe('vipps-devkit trigger', () => {
  it('epayments.payment.captured.v1: creates, approves and captures; the receiver gets the signed webhook', { timeout: 60_000 }, async () => {
    const run = await trigger('epayments.payment.captured.v1', '--reference', 'trigger-capture-1', '--amount', '2500', '--json');
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({
      event: 'epayments.payment.captured.v1',
      reference: 'trigger-capture-1',
      msn: serve.banner.merchantSerialNumber,
      steps: [{ action: 'create payment', status: 201 }, { action: 'approve in the app', status: 'done' }, { action: 'capture', status: 200 }],
      webhooks: [hooks.url],
      deliveries: [{ url: hooks.url, status: 200 }],
    });
    const webhook = await hooks.waitFor((w) => w.json?.reference === 'trigger-capture-1');
    expect(webhook).toMatchObject({ verified: true, json: { name: 'CAPTURED', amount: { value: 2500 } } });
  });

  it('epayments.payment.refunded.v1 goes through capture first; plain output names each step and the answer', { timeout: 60_000 }, async () => {
    const run = await trigger('epayments.payment.refunded.v1', '--reference', 'trigger-refund-1');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/capture\s+trigger-refund-1: 200/);
    expect(run.stdout).toMatch(/refund\s+trigger-refund-1: 200/);
    expect(run.stdout).toContain(`epayments.payment.refunded.v1 → ${hooks.url}: HTTP 200`);
    expect((await hooks.waitFor((w) => w.json?.reference === 'trigger-refund-1' && w.json?.name === 'REFUNDED')).verified).toBe(true);
  });

  it('an event nobody subscribes to is still caused, and the output says nobody hears of it', { timeout: 60_000 }, async () => {
    const run = await trigger('epayments.payment.aborted.v1', '--reference', 'trigger-abort-1');
    expect(run.stdout).toMatch(/reject in the app\s+trigger-abort-1: done/);
    expect(run.stdout).toContain('No webhook of merchant');
    const state = await fetch(`${serve.banner.url}/epayment/v1/payments/trigger-abort-1`, { headers: await connectEmulator(serve.banner.url).apiHeaders() }).then((r) => r.json() as Promise<{ state: string }>);
    expect(state.state).toBe('ABORTED');
  });

  it('--help lists every event with how it is caused; an unknown event is refused with the list', async () => {
    const help = await runCli(['trigger', '--help']);
    expect(help.stdout).toMatch(/epayments\.payment\.captured\.v1\s+create, approve, capture/);
    expect(help.stdout).toContain('epayments.payment.expired.v1');
    const bad = await trigger('epayments.payment.exploded.v1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('epayments.payment.authorized.v1');
    const nobody = await runCli(['trigger', 'epayments.payment.created.v1', '--url', '127.0.0.1:1']);
    expect({ code: nobody.code, stderr: nobody.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the emulator at http://127.0.0.1:1') });
  });
});
