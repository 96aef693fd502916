import type { ApiModule } from '../module.js';
import { omErrorShape } from './errors.js';
import { omMigrations } from './migrations.js';
import { omRoutes } from './routes.js';
import { OrderManagementService } from './service.js';

/**
 * Order Management API: images, categories (a link and an image in the app) and receipts for
 * ePayment and eCom orders. The app's history reads them through the platform's order-details port.
 */
export const orderManagementModule: ApiModule = {
  name: 'ordermanagement',
  title: 'Order Management API',
  description: 'Receipts, categories and images shown with payments in the app',
  prefixes: ['/order-management/'],
  errors: omErrorShape,
  tables: [
    { name: 'om_images', msnColumn: 'msn' },
    { name: 'om_categories', msnColumn: 'msn' },
    { name: 'om_receipts', msnColumn: 'msn' },
  ],
  migrations: omMigrations,
  start(platform) {
    const om = new OrderManagementService({ database: platform.database, clock: platform.clock, ids: platform.ids });
    platform.orderDetails.provide(om.provider());
    return { routes: omRoutes(om, platform) };
  },
};
