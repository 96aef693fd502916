import type { ApiModule } from '../module.js';
import { loginControl } from './control.js';
import { loginErrorShape } from './errors.js';
import { loginRequests } from './inbox-provider.js';
import { loginMigrations } from './migrations.js';
import { loginPortalSettings } from './portal-settings.js';
import { loginRoutes } from './routes.js';
import { CONSENT_REVOKED, LoginService } from './service.js';

/**
 * Vipps Login: an OpenID Provider (oidc-provider) at the documented paths, with CIBA. Users log in
 * on the login page and confirm in the simulated app; consents are the platform's (shared with the
 * payment flows); the user's access token reads the Userinfo API through `platform.userTokens`.
 */
export const loginModule: ApiModule = {
  name: 'login',
  title: 'Login API',
  description: 'Vipps Login: OpenID Connect (authorization code with PKCE), CIBA, ID tokens and keys',
  prefixes: ['/access-management-1.0/access/', '/vipps-login-ciba/'],
  errors: loginErrorShape,
  // The login page is a form people use in a browser.
  browserFacing: true,
  tables: [
    { name: 'login_clients', msnColumn: 'msn' },
    { name: 'login_oidc_state', msnColumn: 'msn' },
    { name: 'login_requests', msnColumn: 'msn' },
    // login_keys is not listed: a reset keeps keys, as it keeps the access tokens' signing key, so
    // relying parties that cached the JWKS go on verifying.
  ],
  migrations: loginMigrations,
  events: [{ type: CONSENT_REVOKED, description: 'A user removed their consent to the sales unit in the app: sub, event CONSENT_REVOKED, iat, nbf, exp' }],
  start(platform) {
    const login = new LoginService(platform);
    platform.inbox.register(loginRequests(login, platform));
    platform.salesUnits.provideLogin(loginPortalSettings(login));
    platform.userTokens.register(async (token) => {
      const { provider } = await login.provider();
      const at = await provider.AccessToken.find(token);
      if (!at || !at.accountId) return undefined;
      const msn = platform.merchants.byClient(at.clientId ?? '')?.msn;
      return msn ? { msn, sub: at.accountId, scope: at.scope ?? 'openid' } : undefined;
    });
    return {
      routes: loginRoutes(platform, login),
      control: loginControl(platform, login),
      onClock: () => login.onClock(),
      refresh: () => login.refresh(),
      afterReset: () => login.refresh(),
    };
  },
};
