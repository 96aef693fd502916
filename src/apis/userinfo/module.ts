import type { ApiModule } from '../module.js';
import { userinfoErrorShape } from './errors.js';
import { userinfoRoutes } from './routes.js';

/**
 * Userinfo API (profile sharing in payment flows). It owns no table: it reads the consents that the
 * payment APIs record when a user approves with profile scopes (src/platform/consents.ts).
 */
export const userinfoModule: ApiModule = {
  name: 'userinfo',
  title: 'Userinfo API',
  description: 'Profile sharing: the consented claims of a user, by the sub a payment gave the merchant',
  prefixes: ['/vipps-userinfo-api/'],
  errors: userinfoErrorShape,
  start: (platform) => ({ routes: userinfoRoutes(platform) }),
};
