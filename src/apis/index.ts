import { accessTokenModule } from './accesstoken/module.js';
import { checkoutModule } from './checkout/module.js';
import { ecomModule } from './ecom/module.js';
import { epaymentModule } from './epayment/module.js';
import type { ApiModule } from './module.js';
import { loginModule } from './login/module.js';
import { orderManagementModule } from './ordermanagement/module.js';
import { portalModule } from './portal/module.js';
import { qrModule } from './qr/module.js';
import { recurringModule } from './recurring/module.js';
import { settlementsModule } from './settlements/module.js';
import { statusModule } from './status/module.js';
import { userinfoModule } from './userinfo/module.js';
import { usersideModule } from './userside/module.js';
import { webhooksModule } from './webhooks/module.js';

/**
 * The registry: every API and stateful feature the emulator serves, one line each. Order is the
 * status page's component order; routes, reset, faults and the OpenAPI document follow it too.
 */
export const MODULES: readonly ApiModule[] = [
  accessTokenModule,
  epaymentModule,
  webhooksModule,
  usersideModule,
  ecomModule,
  qrModule,
  recurringModule,
  checkoutModule,
  orderManagementModule,
  userinfoModule,
  loginModule,
  settlementsModule,
  statusModule,
  portalModule,
];
