import type { ApiModule } from '../module.js';
import { ecomActivity } from './activity.js';
import { ecomCallbackOutbox, MerchantCaller } from './callbacks.js';
import { ecomControl } from './control.js';
import { ecomErrorShape } from './errors.js';
import { ecomInboxKey, ecomRequests } from './inbox-provider.js';
import { ecomRoutes } from './routes.js';
import { EcomService } from './service.js';
import { ecomStore } from './store.js';

const both = (method: string, path: string) => [`${method} /ecomm/v2${path}`, `${method} /Ecomm/v2${path}`];

/** eCom API v2 (regular and express checkout); its callbacks go through the delivery engine. */
export const ecomModule: ApiModule = {
  name: 'ecom',
  title: 'eCom API',
  description: 'eCom v2 payments (regular and express): initiate, capture, cancel, refund, details',
  prefixes: ['/ecomm/', '/Ecomm/'],
  errors: ecomErrorShape,
  tables: [{ name: 'ecom_payments', msnColumn: 'msn' }, { name: 'ecom_merchant_settings', msnColumn: 'msn' }],
  // Reference §2.8 (G22/G23). Both spellings of a path are one endpoint: they share a count.
  rateLimits: [
    { endpoint: 'initiate', routes: both('POST', '/payments'), limit: 2, windowSeconds: 60, per: ['msn', { body: 'transaction.orderId' }] },
    { endpoint: 'capture', routes: both('POST', '/payments/:orderId/capture'), limit: 5, windowSeconds: 60, per: ['msn', { param: 'orderId' }] },
    { endpoint: 'cancel', routes: both('PUT', '/payments/:orderId/cancel'), limit: 5, windowSeconds: 60, per: ['msn', { param: 'orderId' }] },
    { endpoint: 'refund', routes: both('POST', '/payments/:orderId/refund'), limit: 5, windowSeconds: 60, per: ['msn', { param: 'orderId' }] },
    { endpoint: 'details', routes: both('GET', '/payments/:orderId/details'), limit: 120, windowSeconds: 60, per: ['subscriptionKey', { param: 'orderId' }] },
    { endpoint: 'status', routes: both('GET', '/payments/:orderId/status'), limit: 120, windowSeconds: 60, per: ['subscriptionKey', { param: 'orderId' }] },
  ],
  start(platform) {
    const merchantCalls = new MerchantCaller(platform.merchantHttp);
    const ecom = new EcomService({
      database: platform.database,
      clock: platform.clock,
      ids: platform.ids,
      users: platform.users,
      consents: platform.consents,
      publicUrl: platform.publicUrl,
      callbacks: ecomCallbackOutbox({ outbox: platform.outbox, ids: platform.ids, retries: () => platform.options.callbackRetries }),
      pushToApp: (trx, payment, phoneNumber) => platform.inbox.deliver(trx, ecomInboxKey(payment), phoneNumber, 'PUSH_MESSAGE'),
      merchantCalls,
      movements: platform.movements,
    });
    // The portal's "Direct capture" option of a new sales unit is this setting.
    platform.salesUnits.provideCapture({ directCapture: (msn) => ecom.directCapture(msn), setDirectCapture: (trx, msn, on) => ecomStore.setDirectCapture(trx, msn, on) });
    platform.inbox.register(ecomRequests(ecom, platform.database));
    platform.activity.provide(ecomActivity(platform.database));
    return {
      routes: ecomRoutes(ecom, platform),
      control: ecomControl(platform, ecom),
      onClock: async () => void (await ecom.expireDue()),
    };
  },
};
