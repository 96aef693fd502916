/**
 * HTTP of the Login API. oidc-provider (a Koa app) answers authorize, token, JWKS and CIBA: each
 * route hands it the raw request and response (`reply.hijack()`, then `provider.callback()`), so
 * Fastify keeps the routing, the server's hooks (faults, Host checks, rate limits) and the
 * schemas of the OpenAPI document. Around it, what Vipps does that oidc-provider does not: the
 * discovery document, `invalid_scope` for an unknown scope, `state` of at least 8 characters,
 * CIBA's polling interval (`slow_down`) and expiry on the emulator clock, and the login page.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { normalizePhone, formatPhone } from '../../web/format.js';
import type { Html } from '../../web/html.js';
import { errorPage } from '../../web/error-page.js';
import type { Platform } from '../module.js';
import { appToAppProblem, AUTH_METHODS, toProviderUri, CIBA_INTERVAL, LOGIN_SCOPES, pollTooSoon } from './domain.js';
import { OAuthError, sendOAuthError } from './errors.js';
import { loginPage, qrLinkPage, qrWaitingPage, waitingPage } from './pages.js';
import { qrImage } from '../../web/qr.js';
import { PATHS } from './paths.js';
import { CibaStartResponse, JsonWebKeySet, TokenForm, TokenResponse, WellKnown } from './schemas.js';
import type { LoginService } from './service.js';
import { subjectOf } from '../../platform/consents.js';

const HTML_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const field = (source: unknown, name: string): string | undefined => {
  const v = source && typeof source === 'object' && Object.hasOwn(source, name) ? (source as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : undefined;
};

export const loginRoutes = (platform: Platform, login: LoginService): FastifyPluginAsync => async (app) => {
  // Form bodies stay text: oidc-provider parses them itself (it reads `req.body` once the stream is consumed).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 56 * 1024 }, (_request, body, done) => done(null, body));

  const page = (reply: FastifyReply, status: number, body: Html) => reply.code(status).headers(HTML_HEADERS).type('text/html; charset=utf-8').send(body.value);
  const merchantName = (msn: string) => platform.merchants.get(msn)?.name ?? `Merchant ${msn}`;

  /** Hands the request to oidc-provider. */
  const toProvider = async (request: FastifyRequest, reply: FastifyReply) => {
    const { handler } = await login.provider();
    // A custom-scheme redirect_uri reaches oidc-provider as its stand-in (domain.ts toProviderUri).
    const [path, query] = (request.raw.url ?? '').split(/\?(.*)/s, 2) as [string, string | undefined];
    if (query !== undefined) request.raw.url = `${path}?${withStandIn(query)}`;
    if (typeof request.body === 'string') (request.raw as { body?: string }).body = withStandIn(request.body);
    reply.hijack();
    await handler(request.raw, reply.raw);
  };

  const withStandIn = (encoded: string) => {
    const params = new URLSearchParams(encoded);
    const uri = params.get('redirect_uri');
    if (uri === null || /^https?:/i.test(uri)) return encoded;
    params.set('redirect_uri', toProviderUri(uri));
    return params.toString();
  };

  /**
   * PKCE `plain` (Vipps' default when no method is given) handed to oidc-provider as the S256 of
   * the challenge: the verifier then passes exactly when it equals the challenge, as plain wants.
   * oidc-provider deprecates its own `plain` (a warning on every start), so it keeps S256 only.
   */
  const plainAsS256 = (request: FastifyRequest) => {
    const [path, query] = (request.raw.url ?? '').split(/\?(.*)/s, 2) as [string, string | undefined];
    if (query === undefined) return;
    const params = new URLSearchParams(query);
    const challenge = params.get('code_challenge');
    const method = params.get('code_challenge_method') ?? 'plain';
    if (challenge === null || method !== 'plain' || !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) return;
    params.set('code_challenge', createHash('sha256').update(challenge).digest('base64url'));
    params.set('code_challenge_method', 'S256');
    request.raw.url = `${path}?${params}`;
  };

  const formOf = (request: FastifyRequest) => new URLSearchParams(typeof request.body === 'string' ? request.body : '');

  // ---- discovery and keys ----

  app.get(PATHS.discovery, { schema: { operationId: 'discoverOpenIDConfiguration', summary: 'OpenID configuration endpoint', response: { 200: WellKnown } } }, async (_request, reply) => {
    const base = platform.publicUrl();
    const doc: WellKnown = {
      issuer: login.issuer,
      authorization_endpoint: `${base}${PATHS.authorization}`,
      token_endpoint: `${base}${PATHS.token}`,
      jwks_uri: `${base}${PATHS.jwks}`,
      userinfo_endpoint: `${base}${PATHS.userinfo}`,
      backchannel_authentication_endpoint: `${base}${PATHS.ciba}`,
      backchannel_token_delivery_modes_supported: ['poll'],
      backchannel_user_code_parameter_supported: false,
      subject_types_supported: ['pairwise'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      claims_supported: ['sub', 'msn'],
      grant_types_supported: ['authorization_code', 'urn:openid:params:grant-type:ciba', 'urn:vipps:params:grant-type:ciba-redirect'],
      scopes_supported: [...LOGIN_SCOPES],
      token_endpoint_auth_methods_supported: [...AUTH_METHODS],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256', 'plain'],
      request_parameter_supported: true,
      request_uri_parameter_supported: false,
      claims_parameter_supported: false,
      backchannel_logout_supported: false,
      frontchannel_logout_supported: false,
    };
    return reply.header('cache-control', 'max-age=3600').send(doc);
  });

  // Served here, not by oidc-provider: the spec's media type is application/json (oidc-provider
  // answers application/jwk-set+json). The same keys: the current one and the previous ones.
  app.get(PATHS.jwks, { schema: { operationId: 'wellKnown', summary: 'JSON Web Keys Discovery', response: { 200: JsonWebKeySet } } }, async (_request, reply) =>
    reply.header('cache-control', 'max-age=3600').send(await login.publicJwks()),
  );

  // ---- authorize ----

  /** The parameters with a request object's on top (read, not verified: oidc-provider verifies it next). */
  const withRequestObject = (q: Record<string, unknown>): Record<string, unknown> => {
    const jwt = field(q, 'request');
    if (!jwt) return q;
    try {
      return { ...q, ...decodeJwt(jwt) };
    } catch {
      return q; // oidc-provider refuses it as invalid_request_object
    }
  };

  /** Vipps' refusals that oidc-provider does not make, sent to a redirect URI the client registered. */
  const vippsAuthorizeChecks = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const q = withRequestObject(request.query as Record<string, unknown>);
    const clientId = field(q, 'client_id');
    const redirectUri = field(q, 'redirect_uri');
    const merchant = clientId ? platform.merchants.byClient(clientId) : undefined;
    if (!merchant || !redirectUri || !(await login.settings(merchant.msn)).redirectUris.includes(redirectUri)) return false; // oidc-provider refuses these itself
    const refuse = (error: string, description: string) => {
      const url = new URL(redirectUri);
      url.searchParams.set('error', error);
      url.searchParams.set('error_description', description);
      const state = field(q, 'state');
      if (state !== undefined) url.searchParams.set('state', state);
      void reply.redirect(url.href, 302);
      return true;
    };
    const unknown = (field(q, 'scope') ?? '').split(' ').filter((s) => s && !(LOGIN_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) return refuse('invalid_scope', `The requested scope is invalid, unknown, or malformed: ${unknown.join(' ')}`);
    const state = field(q, 'state');
    if (state === undefined || state.length < 8) return refuse('invalid_state', 'The state is missing or does not have enough characters and is therefore considered too weak: at least 8 characters.');
    const appToApp = appToAppProblem({ requestedFlow: field(q, 'requested_flow'), appCallbackUri: field(q, 'app_callback_uri') }, (await login.settings(merchant.msn)).redirectUris);
    if (appToApp) return refuse(...appToApp);
    return false;
  };

  app.get(PATHS.authorization, { schema: { operationId: 'oauthAuth', summary: 'The OAuth 2.0 authorize endpoint', response: { 302: { description: 'Empty response', type: 'null' } } } }, async (request, reply) => {
    if (await vippsAuthorizeChecks(request, reply)) return reply;
    plainAsS256(request);
    return toProvider(request, reply);
  });
  // Where oidc-provider resumes the authorization after the login page.
  app.get(`${PATHS.authorization}/:uid`, { schema: { summary: 'Resumes an authorization after the login page', hide: true, response: { 302: { description: 'Empty response', type: 'null' } } } }, toProvider);

  // ---- token ----

  /**
   * Vipps accepts only the sales unit's configured authentication method; oidc-provider treats
   * client_secret_basic and client_secret_post as one. True when refused here.
   */
  const basicOf = (request: FastifyRequest) => /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  /** The merchant a token or CIBA request names as its client (authentication is oidc-provider's). */
  const clientOf = (request: FastifyRequest) => {
    const basic = basicOf(request);
    let clientId = formOf(request).get('client_id') ?? undefined;
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString();
      const colon = decoded.indexOf(':');
      try {
        clientId = decodeURIComponent(colon === -1 ? decoded : decoded.slice(0, colon));
      } catch {
        return undefined; // oidc-provider refuses the malformed header itself
      }
    }
    return clientId ? platform.merchants.byClient(clientId) : undefined;
  };

  /**
   * RFC 6749 §2.3.1 wants the id and secret form-encoded inside Basic, and oidc-provider decodes
   * them (a `+` becomes a space), but curl -u and most clients send them as they are. A secret
   * sent as it is that is exactly the merchant's is re-encoded, so both forms work.
   */
  const encodeBasic = (request: FastifyRequest) => {
    const basic = basicOf(request);
    if (!basic) return;
    const decoded = Buffer.from(basic, 'base64').toString();
    const colon = decoded.indexOf(':');
    const merchant = colon > 0 ? platform.merchants.byClient(decoded.slice(0, colon)) : undefined;
    if (merchant && decoded.slice(colon + 1) === merchant.clientSecret) {
      request.raw.headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(merchant.clientId)}:${encodeURIComponent(merchant.clientSecret)}`).toString('base64')}`;
    }
  };

  const wrongAuthMethod = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    encodeBasic(request);
    const used = basicOf(request) ? 'client_secret_basic' : formOf(request).has('client_secret') ? 'client_secret_post' : undefined;
    const merchant = clientOf(request);
    if (!used || !merchant) return false;
    const configured = (await login.settings(merchant.msn)).tokenEndpointAuthMethod;
    if (used === configured) return false;
    sendOAuthError(reply, 401, 'invalid_client', `Client authentication failed: this client uses ${configured} (the sales unit's setting), not ${used}.`);
    return true;
  };

  // The form is documented (TokenForm) but not validated here: oidc-provider validates it and
  // answers in OAuth's shape (a CIBA poll has no code, the body arrives as text).
  app.post(PATHS.token, { schema: { operationId: 'oauth2Token', summary: 'The OAuth 2.0 token endpoint', consumes: ['application/x-www-form-urlencoded'], body: TokenForm, response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError } }, validatorCompiler: () => () => true } as never, async (request: FastifyRequest, reply: FastifyReply) => {
    if (await wrongAuthMethod(request, reply)) return reply;
    const form = formOf(request);
    if (form.get('grant_type') === 'urn:openid:params:grant-type:ciba') {
      const answered = await cibaPoll(form.get('auth_req_id') ?? '', reply);
      if (answered) return reply;
    }
    return toProvider(request, reply);
  });

  /** CIBA polling rules on the emulator clock, then the user's answer handed to the provider. True when answered here. */
  async function cibaPoll(authReqId: string, reply: FastifyReply): Promise<boolean> {
    const r = await login.byId(authReqId);
    if (!r || r.kind !== 'ciba') return false; // oidc-provider answers invalid_grant
    const now = platform.clock.now();
    if (r.status === 'pending') {
      if (login.isExpired(r)) {
        sendOAuthError(reply, 400, 'expired_token', 'The auth_req_id has expired: start a new backchannel authentication.');
        return true;
      }
      const tooSoon = pollTooSoon(r, now);
      await login.recordPoll(r);
      if (tooSoon) {
        sendOAuthError(reply, 400, 'slow_down', `Poll no more often than every ${CIBA_INTERVAL} seconds.`);
        return true;
      }
      return false; // authorization_pending from oidc-provider
    }
    // Answered in the app: tell oidc-provider (once; a later poll finds it settled).
    const { provider } = await login.provider();
    const pending = await provider.BackchannelAuthenticationRequest.find(authReqId, { ignoreExpiration: true });
    if (pending && !pending.grantId && !pending.error) {
      if (r.status === 'approved') {
        const grant = new provider.Grant({ accountId: pending.accountId!, clientId: pending.clientId });
        grant.addOIDCScope(r.scope);
        await grant.save();
        await provider.backchannelResult(pending, grant, { authTime: Math.floor(Date.now() / 1000) });
      } else {
        const { errors } = await import('oidc-provider');
        await provider.backchannelResult(pending, new errors.AccessDenied('The user refused the login in the app.'));
      }
    }
    return false;
  }

  // ---- CIBA ----

  app.post(PATHS.ciba, { schema: { summary: 'CIBA: backchannel authentication (log in from a phone number)', consumes: ['application/x-www-form-urlencoded'], response: { 200: CibaStartResponse, 400: OAuthError, 401: OAuthError } } }, async (request, reply) => {
    if (await wrongAuthMethod(request, reply)) return reply;
    const form = formOf(request);
    if (form.get('requested_flow') === 'login_to_webpage') {
      const merchant = clientOf(request);
      const uri = form.get('redirect_uri');
      if (!uri) return sendOAuthError(reply, 400, 'invalid_request', 'requested_flow login_to_webpage needs a redirect_uri.');
      if (merchant && !(await login.settings(merchant.msn)).redirectUris.includes(uri)) return sendOAuthError(reply, 400, 'invalid_request', 'The redirect_uri is not registered for this client (it must match exactly).');
    }
    return toProvider(request, reply);
  });

  // ---- the login page (oidc-provider's interaction) ----

  const interactionOf = async (request: FastifyRequest, reply: FastifyReply) => {
    const { provider } = await login.provider();
    try {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      const merchant = platform.merchants.byClient(String(details.params.client_id));
      if (!merchant) throw new Error('no client');
      return { provider, details, merchant };
    } catch {
      page(reply, 400, errorPage('Login expired', 'This login is no longer going on (it expired, or the browser lost its cookie). Start again from the merchant\'s page.', { href: '/', text: 'Back to Vipps Devkit' }));
      return undefined;
    }
  };

  const finish = async (request: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>) => {
    const { provider } = await login.provider();
    const to = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return reply.redirect(to, 303);
  };

  const loginAction = (uid: string) => `${PATHS.login}/${uid}`;
  /** requested_flow=app_to_app (checked at authorize): the app returns to the merchant's app, not here. */
  const appToAppOf = (params: Record<string, unknown>) =>
    params.requested_flow === 'app_to_app' && typeof params.app_callback_uri === 'string'
      ? { appCallbackUri: params.app_callback_uri, ...(typeof params.state === 'string' ? { state: params.state } : {}) }
      : undefined;
  const requestIdOf = (uid: string) => `web:${uid}`;

  const formPage = async (reply: FastifyReply, status: number, uid: string, msn: string, scope: string, phoneNumber: string, error?: string) => {
    const users = (await platform.users.list()).slice(0, 20).map((u) => ({ phoneNumber: u.phoneNumber, name: `${u.givenName} ${u.familyName}` }));
    return page(reply, status, loginPage({ action: loginAction(uid), merchantName: merchantName(msn), scopes: scope.split(' ').filter(Boolean), phoneNumber, users, ...(error ? { error } : {}) }));
  };

  // The QR code's link, opened in a browser instead of the app.
  app.get(`${PATHS.login}/qr`, { schema: { summary: 'What a login QR code leads to in a browser', hide: true } }, async (_request, reply) => page(reply, 200, qrLinkPage()));

  app.get<{ Params: { uid: string } }>(`${PATHS.login}/:uid`, { schema: { summary: 'The login page', hide: true } }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    const { details, merchant } = found;
    const scope = String(details.params.scope ?? 'openid');
    const r = await login.byId(requestIdOf(details.uid));
    if (r?.status === 'approved') {
      const user = await platform.users.find(r.phoneNumber);
      if (!user) return formPage(reply, 409, details.uid, merchant.msn, scope, '', 'That user no longer exists.');
      const sub = subjectOf(merchant.msn, user);
      const grant = new found.provider.Grant({ accountId: sub, clientId: merchant.clientId });
      grant.addOIDCScope(r.scope);
      const grantId = await grant.save();
      return finish(request, reply, { login: { accountId: sub }, consent: { grantId } });
    }
    if (r?.status === 'rejected') return finish(request, reply, { error: 'access_denied', error_description: 'The user refused the login in the Vipps app.' });
    if (r && !login.isExpired(r) && r.phoneNumber === '') {
      const link = `${platform.publicUrl()}${PATHS.login}/qr?token=${encodeURIComponent(r.token)}`;
      const svg = await qrImage(link, undefined);
      const qrDataUri = `data:image/svg+xml;base64,${Buffer.from(String(svg.body)).toString('base64')}`;
      return page(reply, 200, qrWaitingPage({ action: loginAction(details.uid), merchantName: merchantName(merchant.msn), qrDataUri, link }));
    }
    if (r && !login.isExpired(r)) return page(reply, 200, waitingPage({ action: loginAction(details.uid), merchantName: merchantName(merchant.msn), phoneNumber: r.phoneNumber }));
    // A remembered browser whose user must consent to more: the number is known.
    const remembered = details.session?.accountId ? await login.userOf(merchant.msn, details.session.accountId) : undefined;
    return formPage(reply, 200, details.uid, merchant.msn, scope, r?.phoneNumber ?? remembered?.phoneNumber ?? '', r ? 'The login request expired in the app. Try again.' : undefined);
  });

  app.post<{ Params: { uid: string } }>(`${PATHS.login}/:uid`, { schema: { summary: 'The login page\'s form', hide: true } }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    const { details, merchant } = found;
    const form = formOf(request);
    const scope = String(details.params.scope ?? 'openid');
    if (form.get('action') === 'cancel') return finish(request, reply, { error: 'access_denied', error_description: 'The user cancelled the login.' });
    if (form.get('action') === 'qr') {
      await login.startBrowser(requestIdOf(details.uid), merchant.msn, '', scope, { appToApp: appToAppOf(details.params) });
      return reply.redirect(loginAction(details.uid), 303);
    }
    if (form.get('action') === 'login' && !form.has('phoneNumber')) return formPage(reply, 200, details.uid, merchant.msn, scope, '');
    const typed = form.get('phoneNumber') ?? '';
    const phone = normalizePhone(typed);
    if (!phone) return formPage(reply, 400, details.uid, merchant.msn, scope, typed, 'Enter a phone number: 8 digits, e.g. 97777776.');
    if (!(await platform.users.find(phone))) return formPage(reply, 400, details.uid, merchant.msn, scope, typed, `${formatPhone(phone)} is not a Vipps user.`);
    const existing = await login.byId(requestIdOf(details.uid));
    if (existing?.status === 'pending' && !login.isExpired(existing) && existing.phoneNumber === phone && form.get('action') !== 'app-switch') return reply.redirect(loginAction(details.uid), 303);
    // App switch: on a phone the page opens the Vipps app on that phone; here, that user's simulated app.
    const appSwitch = form.get('action') === 'app-switch';
    await login.startBrowser(requestIdOf(details.uid), merchant.msn, phone, scope, { appToApp: appToAppOf(details.params), appSwitch });
    return reply.redirect(appSwitch ? `/app/${phone}` : loginAction(details.uid), 303);
  });
};
