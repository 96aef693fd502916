import { problemShape } from '../../platform/http-errors.js';
import type { ApiModule } from '../module.js';
import { epaymentActivity } from './activity.js';
import { epaymentControl } from './control.js';
import { epaymentEventTypes, publishedEvents } from './events.js';
import { epaymentRequests, pushToInbox } from './inbox-provider.js';
import { epaymentIssuer, tellOwner } from './issuer.js';
import { tellMoneyMoved } from './movements.js';
import { epaymentRoutes } from './routes.js';
import { EpaymentService } from './service.js';
import { paymentStore } from './store.js';

/** ePayment API v1. */
export const epaymentModule: ApiModule = {
  name: 'epayment',
  title: 'ePayment API',
  description: 'Payments: create, capture, cancel, refund, event log',
  prefixes: ['/epayment/'],
  errors: problemShape,
  // Approve/reject as a user keep their documented paths: /devkit/v1/payments/{reference}/approve.
  controlPrefix: '/devkit/v1',
  tables: [
    { name: 'epayment_events', msnColumn: 'msn' },
    { name: 'epayment_payments', msnColumn: 'msn' },
  ],
  events: epaymentEventTypes,
  // Reference §3.11 (EP-OPS README): per reference, not global.
  rateLimits: [
    { endpoint: 'create', routes: ['POST /epayment/v1/payments'], limit: 5, windowSeconds: 60, per: ['msn', { body: 'reference' }] },
    ...(['capture', 'cancel', 'refund'] as const).map((op) => ({
      endpoint: op,
      routes: [`POST /epayment/v1/payments/:reference/${op}`],
      limit: 5,
      windowSeconds: 60,
      per: ['msn', { param: 'reference' }] as const,
    })),
    { endpoint: 'getPayment', routes: ['GET /epayment/v1/payments/:reference'], limit: 120, windowSeconds: 60, per: ['subscriptionKey', { param: 'reference' }] },
    { endpoint: 'getPaymentEventLog', routes: ['GET /epayment/v1/payments/:reference/events'], limit: 120, windowSeconds: 60, per: ['subscriptionKey', { param: 'reference' }] },
  ],
  start(platform) {
    const epayment = new EpaymentService({
      database: platform.database,
      clock: platform.clock,
      ids: platform.ids,
      users: platform.users,
      consents: platform.consents,
      publicUrl: platform.publicUrl,
      sinks: [(trx, payment, events, firstSeq) => platform.events.publish(trx, publishedEvents(payment, events, firstSeq)), pushToInbox(platform.inbox), tellOwner(platform.payments), tellMoneyMoved(platform.movements)],
    });
    platform.payments.provide(epaymentIssuer(epayment, platform.merchants));
    platform.inbox.register(epaymentRequests(epayment, platform.database));
    platform.activity.provide(epaymentActivity(platform.database));
    return {
      routes: epaymentRoutes(epayment, platform),
      control: epaymentControl(platform, epayment),
      onClock: async () => void (await epayment.expireDue()),
      onReset: async (trx) => paymentStore.forgetAll(trx),
    };
  },
};
