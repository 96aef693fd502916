import type { ApiModule } from '../module.js';
import { checkoutActivity } from './activity.js';
import { notificationOutbox } from './callbacks.js';
import { checkoutErrorShape } from './errors.js';
import { checkoutMigrations } from './migrations.js';
import { checkoutPageRoutes } from './page-routes.js';
import { checkoutRoutes } from './routes.js';
import { CHECKOUT_OWNER, CheckoutService } from './service.js';

/**
 * Checkout API v3 and its hosted page. A session's payment is an ePayment payment, made and
 * followed through the platform's payment port (src/platform/payment-port.ts).
 */
export const checkoutModule: ApiModule = {
  name: 'checkout',
  title: 'Checkout API',
  description: 'Checkout v3 sessions, the hosted checkout page (address, shipping, Vipps or card), session callbacks',
  // The API (apitest.vipps.no/checkout/v3) and the page (vippscheckout.vipps.no/v1 in the real world).
  prefixes: ['/checkout/', '/vippscheckout/'],
  // Only the page is used in a browser: the API is called from the shop's backend.
  browserFacing: ['/vippscheckout/'],
  errors: checkoutErrorShape,
  tables: [{ name: 'checkout_sessions', msnColumn: 'msn' }],
  migrations: checkoutMigrations,
  start(platform) {
    const checkout = new CheckoutService({
      database: platform.database,
      clock: platform.clock,
      ids: platform.ids,
      payments: platform.payments,
      orderDetails: platform.orderDetails,
      merchantHttp: platform.merchantHttp,
      publicUrl: platform.publicUrl,
      notify: notificationOutbox({ outbox: platform.outbox, ids: platform.ids }),
    });
    platform.activity.provide(checkoutActivity(platform.database));
    platform.payments.listen(CHECKOUT_OWNER, (trx, payment) => checkout.paymentChanged(trx, payment));
    const api = checkoutRoutes(checkout, platform.merchants);
    const page = checkoutPageRoutes(checkout, { merchants: platform.merchants, clock: platform.clock });
    return {
      routes: async (app) => {
        await app.register(api);
        await app.register(page);
      },
      onClock: async () => void (await checkout.expireDue()),
    };
  },
};
