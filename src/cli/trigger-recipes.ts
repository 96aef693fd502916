/**
 * What `vipps-devkit trigger` does to make the emulator send each event: the same calls a shop
 * and a user would make (ePayment as the merchant, the simulated app as the user), so the webhook
 * that follows is the real one, signed and retried like any other.
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
  reference: string;
  amount: number;
  /** Runs an ePayment call as the merchant and records it as a step; throws on a non-2xx answer. */
  epayment(action: string, method: 'POST' | 'GET', path: string, body?: unknown): Promise<unknown>;
  step(action: string, run: () => Promise<unknown>): Promise<void>;
}

const create = (c: TriggerContext) =>
  c.epayment('create payment', 'POST', '', {
    reference: c.reference,
    amount: { currency: 'NOK', value: c.amount },
    paymentMethod: { type: 'WALLET' },
    userFlow: 'WEB_REDIRECT',
    returnUrl: 'https://example.com/vipps-devkit-trigger',
    paymentDescription: 'vipps-devkit trigger',
  });
const approve = (c: TriggerContext) => c.step('approve in the app', () => c.emulator.approvePayment(c.reference));
const modify = (c: TriggerContext, what: 'capture' | 'refund') => c.epayment(what, 'POST', `/${what}`, { modificationAmount: { currency: 'NOK', value: c.amount } });

export interface TriggerRecipe {
  /** How the event comes about, for --help. */
  how: string;
  run(c: TriggerContext): Promise<void>;
}

export const TRIGGER_RECIPES: Readonly<Record<string, TriggerRecipe>> = {
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
      await c.step('reject in the app', () => c.emulator.rejectPayment(c.reference));
    },
  },
  'epayments.payment.expired.v1': {
    how: 'create, move the simulated clock 11 minutes on (every open payment ages with it)',
    run: async (c) => {
      await create(c);
      await c.step('advance the clock 11m', () => c.emulator.advanceClock('11m'));
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
