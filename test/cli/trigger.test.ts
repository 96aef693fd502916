/**
 * `vipps-devkit trigger EVENT` against a real `serve` process: the webhook reaches a real receiver,
 * signed; --help lists the events; --json says what was done and where the webhook went. Every
 * event --help names is triggered once (ePayment, Recurring, QR, Login) and must arrive.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEmulator, startWebhookReceiver, type WebhookReceiver } from '../../src/testing/index.js';
import { MODULES } from '../../src/apis/index.js';
import { runCli, startServeProcess, stopProcess } from '../helpers/cli.js';

/** Every webhook event the emulator's modules send (ePayment, Recurring, QR, Login). */
const EVENTS = MODULES.flatMap((m) => (m.events ?? []).map((e) => e.type));

let serve: Awaited<ReturnType<typeof startServeProcess>>;
let hooks: WebhookReceiver;
/** A second merchant with no webhook: events nobody hears of. */
let quietMsn: string;

beforeAll(async () => {
  serve = await startServeProcess(['--ephemeral']);
  hooks = await startWebhookReceiver();
  const emulator = connectEmulator(serve.banner.url);
  const res = await fetch(`${serve.banner.url}/webhooks/v1/webhooks`, {
    method: 'POST',
    headers: { ...(await emulator.apiHeaders()), 'content-type': 'application/json' },
    body: JSON.stringify({ url: hooks.url, events: EVENTS }),
  });
  expect(res.status).toBe(201);
  hooks.secret = ((await res.json()) as { secret: string }).secret;
  const quiet = await fetch(`${serve.banner.url}/devkit/v1/merchants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Nobody listens' }) });
  quietMsn = ((await quiet.json()) as { msn: string }).msn;
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
    const webhook = await hooks.waitFor((w) => w.json?.reference === 'trigger-capture-1' && w.json?.name === 'CAPTURED');
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
    const run = await trigger('epayments.payment.aborted.v1', '--reference', 'trigger-abort-1', '--msn', quietMsn);
    expect(run.stdout).toMatch(/reject in the app\s+trigger-abort-1: done/);
    expect(run.stdout).toContain(`No webhook of merchant ${quietMsn}`);
    const emulator = connectEmulator(serve.banner.url);
    const merchant = (await emulator.merchants()).find((m) => m.msn === quietMsn)!;
    const state = await fetch(`${serve.banner.url}/epayment/v1/payments/trigger-abort-1`, { headers: await emulator.apiHeaders(merchant) }).then((r) => r.json() as Promise<{ state: string }>);
    expect(state.state).toBe('ABORTED');
  });

  it('--help lists every event the emulator sends, each with how it is caused; an unknown event is refused with the list', async () => {
    const help = await runCli(['trigger', '--help']);
    expect(help.stdout).toMatch(/epayments\.payment\.captured\.v1\s+create, approve, capture/);
    expect(help.stdout).toMatch(/recurring\.charge-failed\.v1\s+draft, accept, create a charge of 1\.51 kr/);
    const listed = [...help.stdout.split('Events:')[1]!.matchAll(/^ {2}(\S+) {2,}\S/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...EVENTS].sort());
    const bad = await trigger('epayments.payment.exploded.v1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('epayments.payment.authorized.v1');
    const nobody = await runCli(['trigger', 'epayments.payment.created.v1', '--url', '127.0.0.1:1']);
    expect({ code: nobody.code, stderr: nobody.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the emulator at http://127.0.0.1:1') });
  });

  it('--phone: the given test user acts (here accepts the agreement, which is then in their app); a number that is not one is refused', { timeout: 60_000 }, async () => {
    const run = await trigger('recurring.agreement-activated.v1', '--phone', '46123456', '--reference', 'trigger-phone-1', '--json');
    expect(run.code, run.stderr).toBe(0);
    const { eventReference } = JSON.parse(run.stdout) as { eventReference: string };
    const agreement = await fetch(`${serve.banner.url}/recurring/v3/agreements/${eventReference}`, { headers: await connectEmulator(serve.banner.url).apiHeaders() }).then((r) => r.json() as Promise<{ status: string; externalId: string }>);
    expect(agreement).toMatchObject({ status: 'ACTIVE', externalId: 'trigger-phone-1' });
    expect(await (await fetch(`${serve.banner.url}/app/4746123456`)).text()).toMatch(new RegExp(`data-testid="agreements"[\\s\\S]*data-reference="${eventReference}"`));
    const bad = await trigger('recurring.agreement-activated.v1', '--phone', '123');
    expect({ code: bad.code, stderr: bad.stderr }).toMatchObject({ code: 1, stderr: expect.stringContaining('must be a phone number') });
  });

  // One run per event: what the output says was done, and the signed webhook at the receiver,
  // recognised by its event type and the object it is about.
  it.each(EVENTS)('%s: caused through the APIs and the simulated user; the receiver gets it, signed', async (event) => {
    const reference = `each-${event.replace(/\./g, '-')}`;
    const run = await trigger(event, '--reference', reference, '--json');
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as { reference: string; eventReference?: string; steps: Array<{ action: string; status: number | string }>; deliveries: Array<{ url: string; status: number | null }> };
    expect(out.deliveries).toEqual([expect.objectContaining({ url: hooks.url, status: 200 })]);
    const about = out.eventReference ?? out.reference;
    const webhook = await hooks.waitFor((w) => w.headers['devkit-event-type'] === event && JSON.stringify(w.json ?? null).includes(`"${about.split('/').at(-1)}"`));
    expect(webhook.verified).toBe(true);
    const body = webhook.json as Record<string, unknown>;
    const family = event.split('.')[0];
    if (family === 'epayments') expect(body).toMatchObject({ reference, msn: serve.banner.merchantSerialNumber });
    else if (family === 'recurring') {
      const [agreementId, chargeId] = about.split('/');
      expect(body).toMatchObject({ eventType: event, msn: serve.banner.merchantSerialNumber, agreementId, agreementExternalId: reference, ...(chargeId ? { chargeId } : {}) });
      if (event.includes('.charge-')) expect(chargeId).toBe(reference);
      if (event === 'recurring.charge-failed.v1') expect(body).toMatchObject({ failureReason: 'user_action_required', actor: 'ADMIN' });
      if (event === 'recurring.charge-captured.v1') expect(body).toMatchObject({ amountCaptured: 1000, actor: 'ADMIN' });
    } else if (family === 'user') expect(body).toMatchObject({ merchantQrId: reference, merchantSerialNumber: serve.banner.merchantSerialNumber, customerToken: expect.any(String) });
    else if (family === 'login') expect(body).toMatchObject({ event: 'CONSENT_REVOKED', sub: about, msn: serve.banner.merchantSerialNumber });
    else throw new Error(`no check for ${event}`);
  }, 60_000);
});
