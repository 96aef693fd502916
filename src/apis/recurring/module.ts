import type { ApiModule, RateLimit } from '../module.js';
import { recurringActivity } from './activity.js';
import { recurringControl } from './control.js';
import { recurringErrorShape } from './errors.js';
import { agreementRequests, agreementsToInbox } from './inbox-provider.js';
import { recurringEventTypes } from './events.js';
import { recurringMigrations } from './migrations.js';
import { recurringRoutes } from './routes.js';
import { RecurringService } from './service.js';

const V3 = '/recurring/v3';
const CHARGE = `${V3}/agreements/:agreementId/charges/:chargeId`;
const perCharge = ['msn', { param: 'agreementId' }, { param: 'chargeId' }] as const;

/** R-GUIDE "Rate limiting" (reference A1), per minute. */
const rateLimits: RateLimit[] = [
  // "agreementId + chargeId (from the idempotency key)": a charge has no id before it is created.
  { endpoint: 'CreateCharge', routes: [`POST ${V3}/agreements/:agreementId/charges`], limit: 2, windowSeconds: 60, per: ['msn', { param: 'agreementId' }, { header: 'idempotency-key' }] },
  { endpoint: 'CancelCharge', routes: [`DELETE ${CHARGE}`], limit: 5, windowSeconds: 60, per: perCharge },
  { endpoint: 'CaptureCharge', routes: [`POST ${CHARGE}/capture`], limit: 5, windowSeconds: 60, per: perCharge },
  { endpoint: 'RefundCharge', routes: [`POST ${CHARGE}/refund`], limit: 5, windowSeconds: 60, per: perCharge },
  { endpoint: 'ListAgreements', routes: [`GET ${V3}/agreements`], limit: 5, windowSeconds: 60, per: ['msn'] },
  { endpoint: 'UpdateAgreement', routes: [`PATCH ${V3}/agreements/:agreementId`], limit: 5, windowSeconds: 60, per: ['msn', { param: 'agreementId' }] },
  { endpoint: 'FetchCharge', routes: [`GET ${CHARGE}`], limit: 10, windowSeconds: 60, per: perCharge },
  { endpoint: 'FetchChargeById', routes: [`GET ${V3}/charges/:chargeId`], limit: 100, windowSeconds: 60, per: ['msn'] },
  { endpoint: 'ListCharges', routes: [`GET ${V3}/agreements/:agreementId/charges`], limit: 10, windowSeconds: 60, per: ['msn', { param: 'agreementId' }] },
  { endpoint: 'FetchAgreement', routes: [`GET ${V3}/agreements/:agreementId`], limit: 120, windowSeconds: 60, per: ['msn', { param: 'agreementId' }] },
  { endpoint: 'DraftAgreement', routes: [`POST ${V3}/agreements`], limit: 300, windowSeconds: 60, per: ['msn'] },
];

/** Recurring API v3: agreements, charges and the calendar that processes them. */
export const recurringModule: ApiModule = {
  name: 'recurring',
  title: 'Recurring API',
  description: 'Subscriptions: agreements, charges, and their processing on the emulator calendar',
  prefixes: ['/recurring/'],
  errors: recurringErrorShape,
  tables: [
    { name: 'recurring_agreements', msnColumn: 'msn' },
    { name: 'recurring_charges', msnColumn: 'msn' },
    { name: 'recurring_continuation_tokens', msnColumn: 'msn' },
    // A test user's funds belong to no sales unit: a merchant's reset keeps them.
    { name: 'recurring_user_funds' },
  ],
  migrations: recurringMigrations,
  events: recurringEventTypes,
  rateLimits,
  start(platform) {
    const recurring = new RecurringService({
      database: platform.database,
      clock: platform.clock,
      ids: platform.ids,
      users: platform.users,
      consents: platform.consents,
      events: platform.events,
      publicUrl: platform.publicUrl,
      onAgreement: agreementsToInbox(platform.inbox),
      movements: platform.movements,
    });
    platform.inbox.register(agreementRequests(recurring));
    platform.activity.provide(recurringActivity(platform.database));
    return {
      routes: recurringRoutes(recurring, platform),
      control: recurringControl(recurring, platform.users),
      // The calendar: unanswered drafts expire, due charges are attempted (also after every clock jump).
      onClock: async () => {
        await recurring.expireDue();
        await recurring.processDue();
      },
    };
  },
};
