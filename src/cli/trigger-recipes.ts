/**
 * What `vipps-devkit trigger` does to make the emulator send each event: the same calls a shop
 * and a user would make — the merchant's APIs with its keys, the simulated user through the control
 * API's user actions or the app's own pages, the emulator clock where an event needs time — so the
 * webhook that follows is the real one, signed and retried like any other. Nothing is written to
 * the emulator's state any other way.
 */
import type { DevkitClient, MerchantCredentials } from '../testing/devkit-client.js';

/** One step's outcome, as printed. */
export interface TriggerStep {
  action: string;
  status: number | string;
}

export interface TriggerContext {
  emulator: DevkitClient;
  merchant: MerchantCredentials;
  /** The caller's reference: ePayment's reference, a Recurring charge's orderId, a QR's merchantQrId. */
  reference: string;
  amount: number;
  /** The test user who acts (`--phone`); undefined: the API's default (the first test user, or the one the request names). */
  phoneNumber: string | undefined;
  /** Runs an ePayment call as the merchant and records it as a step; throws on a non-2xx answer. */
  epayment(action: string, method: 'POST' | 'GET', path: string, body?: unknown): Promise<unknown>;
  /** Any merchant API call (path from the root; a fresh access token after the clock moved; an Idempotency-Key on writes). */
  api(action: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<unknown>;
  /** A control-API call (the simulated user, the calendar), recorded as a step. */
  control(action: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown>;
  /** The emulator's clock, and moving it on (every open payment, draft and charge ages with it). */
  now(): Promise<Date>;
  advance(action: string, milliseconds: number): Promise<void>;
  /** A form POST with the merchant's client credentials (HTTP Basic), as a Login client sends it; the JSON answer. */
  clientForm(action: string, path: string, fields: Record<string, string>): Promise<Record<string, string>>;
  /** A page of the simulated app, as the user's browser gets or posts it (form body). */
  page(action: string, method: 'GET' | 'POST', path: string): Promise<string>;
  step(action: string, run: () => Promise<unknown>): Promise<void>;
  /** The event's own reference in the delivery log, when it is not `reference` (an agreement id, `agreementId/chargeId`, a `sub`). */
  deliveredAs(reference: string): void;
}

export interface TriggerRecipe {
  /** How the event comes about, for --help. */
  how: string;
  run(c: TriggerContext): Promise<void>;
}

// ---- ePayment ----

const create = (c: TriggerContext) =>
  c.epayment('create payment', 'POST', '', {
    reference: c.reference,
    amount: { currency: 'NOK', value: c.amount },
    paymentMethod: { type: 'WALLET' },
    userFlow: 'WEB_REDIRECT',
    returnUrl: 'https://example.com/vipps-devkit-trigger',
    paymentDescription: 'vipps-devkit trigger',
  });
const user = (c: TriggerContext) => (c.phoneNumber ? { phoneNumber: c.phoneNumber } : {});
const approve = (c: TriggerContext) => c.step('approve in the app', () => c.emulator.approvePayment(c.reference, user(c)));
const modify = (c: TriggerContext, what: 'capture' | 'refund') => c.epayment(what, 'POST', `/${what}`, { modificationAmount: { currency: 'NOK', value: c.amount } });

const EPAYMENT: Record<string, TriggerRecipe> = {
  'epayments.payment.created.v1': { how: 'create a payment', run: async (c) => void (await create(c)) },
  'epayments.payment.authorized.v1': {
    how: 'create, approve in the app',
    run: async (c) => {
      await create(c);
      await approve(c);
    },
  },
  'epayments.payment.aborted.v1': {
    how: 'create, reject in the app',
    run: async (c) => {
      await create(c);
      await c.step('reject in the app', () => c.emulator.rejectPayment(c.reference, user(c)));
    },
  },
  'epayments.payment.expired.v1': {
    how: 'create, move the simulated clock 11 minutes on (every open payment ages with it)',
    run: async (c) => {
      await create(c);
      await c.advance('advance the clock 11m', 11 * 60_000);
    },
  },
  'epayments.payment.terminated.v1': {
    how: 'create, cancel before the user acts',
    run: async (c) => {
      await create(c);
      await c.epayment('cancel', 'POST', '/cancel', {});
    },
  },
  'epayments.payment.cancelled.v1': {
    how: 'create, approve, cancel',
    run: async (c) => {
      await create(c);
      await approve(c);
      await c.epayment('cancel', 'POST', '/cancel', {});
    },
  },
  'epayments.payment.captured.v1': {
    how: 'create, approve, capture',
    run: async (c) => {
      await create(c);
      await approve(c);
      await modify(c, 'capture');
    },
  },
  'epayments.payment.refunded.v1': {
    how: 'create, approve, capture, refund',
    run: async (c) => {
      await create(c);
      await approve(c);
      await modify(c, 'capture');
      await modify(c, 'refund');
    },
  },
};

// ---- Recurring ----

/** A monthly LEGACY agreement at the amount, for the user (`--phone`) or, left out, the first test user. */
async function draft(c: TriggerContext): Promise<string> {
  const r = (await c.api('draft agreement', 'POST', '/recurring/v3/agreements', {
    pricing: { type: 'LEGACY', amount: c.amount, currency: 'NOK' },
    interval: { unit: 'MONTH', count: 1 },
    merchantRedirectUrl: 'https://example.com/vipps-devkit-trigger',
    merchantAgreementUrl: 'https://example.com/vipps-devkit-trigger/agreements',
    productName: 'vipps-devkit trigger',
    externalId: c.reference,
    ...(c.phoneNumber ? { phoneNumber: c.phoneNumber } : {}),
  })) as { agreementId: string };
  c.deliveredAs(r.agreementId);
  return r.agreementId;
}
const userActs = (c: TriggerContext, agreementId: string, kind: 'accept' | 'reject') =>
  c.control(`${kind} in the app`, 'POST', `/devkit/v1/recurring/agreements/${encodeURIComponent(agreementId)}/${kind}`, { msn: c.merchant.msn, ...user(c) });
async function active(c: TriggerContext): Promise<string> {
  const id = await draft(c);
  await userActs(c, id, 'accept');
  return id;
}

/** The Oslo date after the emulator's today: the soonest due date a charge may have in MT. */
function tomorrowInOslo(now: Date): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const next = new Date(`${today}T12:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

/** A charge due tomorrow, whose id is the reference (its orderId). */
async function charge(c: TriggerContext, agreementId: string, type: 'DIRECT_CAPTURE' | 'RESERVE_CAPTURE', amount = c.amount): Promise<string> {
  const due = tomorrowInOslo(await c.now());
  await c.api(`create charge (${due})`, 'POST', `/recurring/v3/agreements/${encodeURIComponent(agreementId)}/charges`, {
    amount,
    transactionType: type,
    description: 'vipps-devkit trigger',
    due,
    retryDays: 0,
    orderId: c.reference,
  });
  c.deliveredAs(`${agreementId}/${c.reference}`);
  return due;
}

/** The calendar's run on the due date: picked up at 07:00 UTC, the result at 08:00 (a last failure settled by the 15:00 run, 16:00). */
async function toDueDate(c: TriggerContext, due: string, hour: 8 | 16) {
  const target = new Date(`${due}T${String(hour).padStart(2, '0')}:01:00Z`).getTime();
  const by = target - (await c.now()).getTime();
  await c.advance(`advance the clock to ${due} ${String(hour).padStart(2, "0")}:01 UTC`, Math.max(0, by));
}

const chargePath = (agreementId: string, chargeId: string, rest = '') => `/recurring/v3/agreements/${encodeURIComponent(agreementId)}/charges/${encodeURIComponent(chargeId)}${rest}`;

/** 1.51 kr: the test amount whose attempts fail with user_action_required. */
const FAILING_AMOUNT = 151;

const RECURRING: Record<string, TriggerRecipe> = {
  'recurring.agreement-activated.v1': {
    how: 'draft an agreement, accept in the app',
    run: async (c) => void (await active(c)),
  },
  'recurring.agreement-rejected.v1': {
    how: 'draft an agreement, reject in the app',
    run: async (c) => void (await userActs(c, await draft(c), 'reject')),
  },
  'recurring.agreement-stopped.v1': {
    how: 'draft, accept in the app, stop (PATCH status STOPPED)',
    run: async (c) => {
      const id = await active(c);
      await c.api('stop agreement', 'PATCH', `/recurring/v3/agreements/${encodeURIComponent(id)}`, { status: 'STOPPED' });
    },
  },
  'recurring.agreement-expired.v1': {
    how: 'draft an agreement, move the clock 11 minutes on (nobody answered it)',
    run: async (c) => {
      await draft(c);
      await c.advance('advance the clock 11m', 11 * 60_000);
    },
  },
  'recurring.charge-reserved.v1': {
    how: 'draft, accept, create a RESERVE_CAPTURE charge due tomorrow, move the clock to its processing (08:01 UTC on the due date)',
    run: async (c) => {
      const id = await active(c);
      await toDueDate(c, await charge(c, id, 'RESERVE_CAPTURE'), 8);
    },
  },
  'recurring.charge-captured.v1': {
    how: 'draft, accept, create a DIRECT_CAPTURE charge due tomorrow, move the clock to its processing (08:01 UTC on the due date)',
    run: async (c) => {
      const id = await active(c);
      await toDueDate(c, await charge(c, id, 'DIRECT_CAPTURE'), 8);
    },
  },
  'recurring.charge-canceled.v1': {
    how: 'draft, accept, create a charge, cancel it (DELETE)',
    run: async (c) => {
      const id = await active(c);
      await charge(c, id, 'DIRECT_CAPTURE');
      await c.api('cancel charge', 'DELETE', chargePath(id, c.reference));
    },
  },
  'recurring.charge-failed.v1': {
    how: 'draft, accept, create a charge of 1.51 kr (the test amount: insufficient funds) due tomorrow with retryDays 0, move the clock past its last run (16:01 UTC on the due date)',
    run: async (c) => {
      const id = await active(c);
      await toDueDate(c, await charge(c, id, 'DIRECT_CAPTURE', FAILING_AMOUNT), 16);
    },
  },
  'recurring.charge-refunded.v1': {
    how: 'draft, accept, create a DIRECT_CAPTURE charge due tomorrow, move the clock to its processing, refund it',
    run: async (c) => {
      const id = await active(c);
      await toDueDate(c, await charge(c, id, 'DIRECT_CAPTURE'), 8);
      await c.api('refund charge', 'POST', chargePath(id, c.reference, '/refund'), { amount: c.amount, description: 'vipps-devkit trigger' });
    },
  },
  'recurring.charge-creation-failed.v1': {
    how: 'draft an agreement nobody accepted, create a charge on it with the batch endpoint (valid, then refused: not ACTIVE)',
    run: async (c) => {
      const id = await draft(c);
      const due = tomorrowInOslo(await c.now());
      await c.api('create charges (batch)', 'POST', '/recurring/v3/agreements/charges', [
        { agreementId: id, orderId: c.reference, amount: c.amount, transactionType: 'DIRECT_CAPTURE', description: 'vipps-devkit trigger', due, retryDays: 0 },
      ]);
      c.deliveredAs(`${id}/${c.reference}`);
    },
  },
};

// ---- QR and Login ----

const OTHERS: Record<string, TriggerRecipe> = {
  'user.checked-in.v1': {
    how: 'make a merchant callback QR (merchantQrId: the reference), the user scans it with the app',
    run: async (c) => {
      const path = `/qr/v1/merchant-callback/${encodeURIComponent(c.reference)}`;
      await c.api('make callback QR', 'PUT', path, { locationDescription: 'vipps-devkit trigger' });
      const { qrContent } = (await c.api('fetch callback QR', 'GET', path)) as { qrContent: string };
      await c.control('scan in the app', 'POST', '/devkit/v1/qr/scan', { content: qrContent, ...user(c) });
    },
  },
  'login.consent-revoked.v1': {
    how: 'log the user in with CIBA (scope openid name), confirm in the app, fetch the token, "Remove consent" in the app',
    run: async (c) => {
      const phone = c.phoneNumber ?? (await c.emulator.merchants()).find((m) => m.msn === c.merchant.msn)?.testUsers[0]?.phoneNumber;
      if (!phone) throw new Error('no test user to log in');
      const started = await c.clientForm('start CIBA login', '/vipps-login-ciba/api/backchannel/authentication', { login_hint: `urn:msisdn:${phone}`, scope: 'openid name' });
      await c.control('confirm in the app', 'POST', `/devkit/v1/login/users/${phone}/approve`);
      const tokens = await c.clientForm('fetch the token', '/access-management-1.0/access/oauth2/token', { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: started.auth_req_id! });
      const { sub } = JSON.parse(Buffer.from(tokens.id_token!.split('.')[1]!, 'base64url').toString()) as { sub: string };
      c.deliveredAs(sub);
      // The user's app lists the login in its history with "Remove consent".
      const app = await c.page('open the app', 'GET', `/app/${phone}`);
      const action = [...app.matchAll(/action="([^"]*\/remove-consent)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'))[0];
      if (!action) throw new Error(`no login with a consent to remove in ${phone}'s app`);
      await c.page('remove consent in the app', 'POST', action);
    },
  },
};

export const TRIGGER_RECIPES: Readonly<Record<string, TriggerRecipe>> = { ...EPAYMENT, ...RECURRING, ...OTHERS };
