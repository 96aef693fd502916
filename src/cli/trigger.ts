import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectEmulator, type DeliveryAttemptView, type MerchantCredentials } from '../testing/devkit-client.js';
import { controlGet, controlSend, withEmulatorTarget, type EmulatorTarget } from './emulator-client.js';
import { TRIGGER_RECIPES, type TriggerContext, type TriggerStep } from './trigger-recipes.js';

const eventName = (value: string) => {
  if (!(value in TRIGGER_RECIPES)) throw new InvalidArgumentError(`not an event trigger knows; one of:\n  ${Object.keys(TRIGGER_RECIPES).join('\n  ')}`);
  return value;
};

const amount = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100) throw new InvalidArgumentError('must be a whole number of øre, at least 100');
  return n;
};

const waitMs = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 600_000) throw new InvalidArgumentError('must be a whole number of milliseconds from 0 to 600000');
  return n;
};

interface Options {
  url: string;
  adminToken?: string;
  msn?: string;
  reference?: string;
  amount: number;
  wait: number;
  phone?: string;
  json?: boolean;
}

const phone = (value: string) => {
  if (!/^\d{8}$|^\d{10,15}$/.test(value)) throw new InvalidArgumentError('must be a phone number: 8 digits, or with the country code (4797777776)');
  return value.length === 8 ? `47${value}` : value;
};

/**
 * `vipps-devkit trigger EVENT` (as in the Stripe CLI): creates what makes the emulator send that
 * webhook event, then shows where it went (the delivery log) or that nobody subscribes to it.
 */
export function triggerCommand(): Command {
  const width = Math.max(...Object.keys(TRIGGER_RECIPES).map((e) => e.length));
  return withEmulatorTarget(new Command('trigger'))
    .description('make the emulator send a webhook event, by doing what causes it (create, approve, capture …)')
    .argument('<event>', 'the event type', eventName)
    .option('--msn <msn>', 'the merchant whose payment it is (default: the first)')
    .option('--reference <reference>', "the payment reference, a recurring charge's orderId (and its agreement's externalId), a QR's merchantQrId (default: trigger-<random>)")
    .option('--amount <øre>', 'the amount in øre (a payment, an agreement\'s price and its charge)', amount, 1000)
    .option('--phone <number>', 'the test user who acts in the app (default: the first test user)', phone)
    .option('--wait <ms>', 'how long to wait for the webhooks to be answered (0: do not wait)', waitMs, 10_000)
    .option('--json', 'print the steps and deliveries as JSON')
    .addHelpText('after', `\nEvents:\n${Object.entries(TRIGGER_RECIPES).map(([e, r]) => `  ${e.padEnd(width)}  ${r.how}`).join('\n')}\n`)
    .action(async (event: string, o: Options) => {
      const target: EmulatorTarget = { url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) };
      // Through controlGet first: an emulator that is not there gets its clear error.
      const { merchants } = await controlGet<{ merchants: MerchantCredentials[] }>(target, '/devkit/v1/merchants');
      const emulator = connectEmulator(o.url, o.adminToken ? { adminToken: o.adminToken } : {});
      const merchant = o.msn ? merchants.find((m) => m.msn === o.msn) : merchants[0];
      if (!merchant) throw new Error(o.msn ? `--msn ${o.msn}: the emulator at ${o.url} has merchants ${merchants.map((m) => m.msn).join(', ')}` : `the emulator at ${o.url} has no merchant`);
      const reference = o.reference ?? `trigger-${randomBytes(4).toString('hex')}`;
      const steps: TriggerStep[] = [];
      // The client takes a fresh access token once the clock has moved (they last an hour of emulator time).
      let headers = await emulator.apiHeaders(merchant);
      let eventReference = reference;

      const context: TriggerContext = {
        emulator,
        merchant,
        reference,
        amount: o.amount,
        phoneNumber: o.phone,
        async epayment(action, method, path, body) {
          const res = await fetch(`${o.url}/epayment/v1/payments${path ? `/${encodeURIComponent(reference)}${path}` : ''}`, {
            method,
            headers: { ...headers, 'content-type': 'application/json', 'idempotency-key': idempotencyKey(reference, action) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          steps.push({ action, status: res.status });
          const text = await res.text();
          if (!res.ok) throw new Error(`${action} ${reference}: HTTP ${res.status} ${text.slice(0, 300)}`);
          return JSON.parse(text) as unknown;
        },
        async api(action, method, path, body) {
          const res = await fetch(`${o.url}${path}`, {
            method,
            headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(method === 'GET' || method === 'PUT' ? {} : { 'idempotency-key': randomUUID() }) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          steps.push({ action, status: res.status });
          const text = await res.text();
          if (!res.ok) throw new Error(`${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
          return text ? (JSON.parse(text) as unknown) : undefined;
        },
        async control(action, method, path, body) {
          const answer = method === 'GET' ? await controlGet(target, path) : await controlSend(target, method, path, body ?? {});
          steps.push({ action, status: 'done' });
          return answer;
        },
        now: () => emulator.now(),
        async advance(action, milliseconds) {
          await emulator.advanceClock(milliseconds);
          headers = await emulator.apiHeaders(merchant);
          steps.push({ action, status: 'done' });
        },
        async clientForm(action, path, fields) {
          const basic = Buffer.from(`${encodeURIComponent(merchant.clientId)}:${encodeURIComponent(merchant.clientSecret)}`).toString('base64');
          const res = await fetch(`${o.url}${path}`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
          steps.push({ action, status: res.status });
          const text = await res.text();
          if (!res.ok) throw new Error(`${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
          return JSON.parse(text) as Record<string, string>;
        },
        async page(action, method, path) {
          const res = await fetch(`${o.url}${path}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' } : {}) });
          steps.push({ action, status: res.status });
          const text = await res.text();
          if (!res.ok) throw new Error(`${action}: HTTP ${res.status}`);
          return text;
        },
        async step(action, run) {
          await run();
          steps.push({ action, status: 'done' });
        },
        deliveredAs(r) {
          eventReference = r;
        },
      };
      await TRIGGER_RECIPES[event]!.run(context);

      // Who hears of it: the merchant's webhooks registered for this event.
      const hooks = await fetch(`${o.url}/webhooks/v1/webhooks`, { headers }).then((r) => r.json() as Promise<{ webhooks: Array<{ url: string; events: string[] }> }>);
      const subscribed = hooks.webhooks.filter((w) => w.events.includes(event));
      const attempts = o.wait > 0 && subscribed.length > 0 ? await deliveriesOf(target, eventReference, event, subscribed.map((w) => w.url), o.wait) : [];
      const deliveries = attempts.map((a) => ({ url: a.request.url, attempt: a.attempt, status: a.response?.status ?? null, error: a.error }));
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ event, reference, ...(eventReference === reference ? {} : { eventReference }), msn: merchant.msn, steps, webhooks: subscribed.map((w) => w.url), deliveries }, null, 2)}\n`);
        return;
      }
      const stepWidth = Math.max(20, ...steps.map((s) => s.action.length));
      const lines = [...steps.map((s) => `${s.action.padEnd(stepWidth)} ${reference}: ${s.status}`)];
      if (eventReference !== reference) lines.push(`The event's reference: ${eventReference}`);
      if (subscribed.length === 0) lines.push(`No webhook of merchant ${merchant.msn} subscribes to ${event}; register one (POST /webhooks/v1/webhooks) to receive it.`);
      for (const d of deliveries) lines.push(`${event} → ${d.url}: ${d.status === null ? `no answer (${d.error})` : `HTTP ${d.status}`}`);
      if (subscribed.length > deliveries.length) lines.push(`${subscribed.length - deliveries.length} webhook(s) not answered yet; see: vipps-devkit deliveries tail`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/**
 * The same payment step of the same reference replays (a rerun does not pay twice): the reference
 * and the step, or their hash when that is longer than ePayment's 50 characters.
 */
export function idempotencyKey(reference: string, action: string): string {
  const plain = `${reference}-${action.replace(/\W+/g, '-')}`;
  return plain.length <= 50 ? plain : createHash('sha256').update(`${reference}\n${action}`).digest('base64url');
}

/** The latest delivery attempt of the event to each URL, waiting up to `waitMs` for all of them. */
async function deliveriesOf(target: EmulatorTarget, reference: string, event: string, urls: string[], waitMs: number): Promise<DeliveryAttemptView[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { attempts } = await controlGet<{ attempts: DeliveryAttemptView[] }>(target, `/devkit/v1/deliveries?reference=${encodeURIComponent(reference)}&limit=1000`);
    const latest = urls.map((url) => attempts.filter((a) => a.eventType === event && a.request.url === url).at(-1)).filter((a) => a !== undefined);
    if (latest.length === urls.length || Date.now() > deadline) return latest;
    await sleep(100);
  }
}
