/**
 * Logins in the simulated app, through the user inbox's provider interface: the login page's and
 * CIBA's requests appear in the user's app, where the user confirms (with the PIN) or refuses, and
 * an answered login offers "Remove consent" in the history.
 */
import type { PaymentRequestProvider, PaymentRequestView } from '../../platform/user-inbox.js';
import { appToAppReturn, isExpired, SCOPE_TEXT, type LoginRequest } from './domain.js';
import { PATHS } from './paths.js';
import { inboxKey, type LoginService } from './service.js';
import { subjectOf } from '../../platform/consents.js';
import type { Platform } from '../module.js';

export const LOGIN_INBOX = 'login';

export function loginRequests(login: LoginService, platform: Platform): PaymentRequestProvider {
  // The login page of a login page's request: its interaction uid is the request id after `web:`.
  const loginPageOf = (r: LoginRequest) => `${platform.publicUrl()}${PATHS.login}/${r.id.slice('web:'.length)}`;
  const view = async (r: LoginRequest): Promise<PaymentRequestView> => {
    const user = await platform.users.find(r.phoneNumber);
    const consented = user ? await login.consentedScopes(r.msn, subjectOf(r.msn, user)) : new Set<string>();
    const now = platform.clock.now();
    return {
      api: LOGIN_INBOX,
      key: inboxKey(r),
      msn: r.msn,
      reference: r.bindingMessage ?? 'Login',
      state: r.status === 'approved' ? 'AUTHORIZED' : r.status === 'rejected' ? 'ABORTED' : isExpired(r, now) ? 'EXPIRED' : 'CREATED',
      amount: { currency: 'NOK', value: 0 },
      expiresAt: r.expiresAt,
      token: r.token,
      flow: r.redirectUri || r.appCallbackUri || r.appSwitch ? 'NATIVE_REDIRECT' : 'PUSH_MESSAGE',
      ...(r.redirectUri && r.code ? { returnUrl: redirectWithCode(r.redirectUri, r.code, r.state) } : {}),
      // app_to_app: the login page's uid is the request id after `web:`; its page is the resume URI.
      ...(r.appCallbackUri ? { returnUrl: appToAppReturn(r, loginPageOf(r))! } : r.appSwitch ? { returnUrl: loginPageOf(r) } : {}),
      login: { ...(r.bindingMessage ? { bindingMessage: r.bindingMessage } : {}), consents: login.consentNeeded(r, consented).map((s) => SCOPE_TEXT[s]) },
      // An approved login with consents can be withdrawn from the app's history.
      ...(r.status === 'approved' && consented.size > 0 ? { consent: { phoneNumber: r.phoneNumber, removable: true } } : {}),
    };
  };

  return {
    name: LOGIN_INBOX,
    keyPrefix: 'login/',
    async byToken(token) {
      const r = await login.byToken(token);
      return r && view(r);
    },
    async load(keys) {
      const found = await login.many(keys.map((k) => k.key.slice('login/'.length)));
      return Promise.all(found.map(view));
    },
    async decide(request, decision, user) {
      const r = await login.byToken(request.token);
      if (!r) return { ok: false, status: 404, message: 'This login request no longer exists.' };
      const done = await login.decide(r.id, decision, user);
      return done.ok ? { ok: true } : done;
    },
    // A QR code from the login page, scanned in the app: the login is now that user's.
    async sentToApp(trx, request) {
      await login.scanned(trx, { msn: request.msn, key: request.key });
    },
    async cancel() {
      return { ok: false, status: 409, message: 'A login is answered in the app.' };
    },
    async removeConsent(request, user) {
      const scopes = await login.revokeConsent(request.msn, user);
      return { ok: true, message: scopes.length > 0 ? `You no longer share ${scopes.length === 1 ? 'one thing' : `${scopes.length} things`} with ${platform.merchants.get(request.msn)?.name ?? request.msn}.` : 'Nothing was shared.' };
    },
  };
}

/** CIBA login_to_webpage: where the app sends the browser after the user confirmed. */
export function redirectWithCode(redirectUri: string, code: string, state: string | undefined): string {
  const url = new URL(redirectUri);
  url.searchParams.set('code', code);
  if (state !== undefined) url.searchParams.set('state', state);
  return url.href;
}
