import type { LoginSettingsProvider } from '../../platform/sales-unit-settings.js';
import { AUTH_METHODS, redirectUriProblem, type AuthMethod } from './domain.js';
import type { LoginService } from './service.js';

/**
 * Login's part of a sales unit's portal settings (`platform.salesUnits`): the same redirect-URI
 * rules and store as the control API's `PUT /devkit/v1/login/merchants/{msn}`.
 */
export function loginPortalSettings(login: LoginService): LoginSettingsProvider {
  return {
    tokenEndpointAuthMethods: AUTH_METHODS,
    get: (msn) => login.settings(msn),
    async save(msn, s) {
      const problems = s.redirectUris.map((u, i) => ({ u, i, why: redirectUriProblem(u) })).filter((b) => b.why).map((b) => `Redirect URI ${b.i + 1} (${b.u}) ${b.why}.`);
      if (!(AUTH_METHODS as readonly string[]).includes(s.tokenEndpointAuthMethod)) problems.push(`The token endpoint authentication method must be one of ${AUTH_METHODS.join(', ')}.`);
      if (problems.length > 0) return { ok: false, problems };
      const saved = await login.saveSettings(msn, { redirectUris: [...new Set(s.redirectUris)], tokenEndpointAuthMethod: s.tokenEndpointAuthMethod as AuthMethod });
      return { ok: true, value: saved };
    },
  };
}
