/**
 * The OpenID Provider: oidc-provider 8 (OpenID Certified; the last major that supports Node 20),
 * configured as Vipps Login behaves. It is a Koa app mounted at the root of the emulator's URL
 * space (routes.ts hands it the raw request), so its routes are the documented absolute paths.
 * What it cannot express is done in routes.ts / service.ts and listed in docs/decisions.md.
 */
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { subjectOf } from '../../platform/consents.js';
import type { TestUser } from '../../platform/test-users.js';
import { errorPage } from '../../web/error-page.js';
import { adapterClass, type AdapterDeps } from './adapter.js';
import { BINDING_MESSAGE, consentNeeded, LOGIN_SCOPES, phoneOfLoginHint, TTL } from './domain.js';

import { BASE, PATHS } from './paths.js';

export { BASE, PATHS } from './paths.js';

/** What the provider asks the rest of the module. */
export interface ProviderHooks extends AdapterDeps {
  /** The test user a sub names for a sales unit. */
  userOf(msn: string, sub: string): Promise<TestUser | undefined>;
  userByPhone(phoneNumber: string): Promise<TestUser | undefined>;
  /** The consent scopes the user has given the sales unit. */
  consentedScopes(msn: string, sub: string): Promise<Set<string>>;
  /** CIBA: put the login into the user's app. */
  startCiba(input: CibaStart): Promise<void>;
  /** CIBA login_to_webpage: the approved login behind a code (used once), or undefined. */
  redeemRedirectCode(code: string, msn: string): Promise<{ id: string; scope: string; phoneNumber: string } | undefined>;
}

export interface CibaStart {
  id: string;
  msn: string;
  phoneNumber: string;
  scope: string;
  bindingMessage?: string;
  expiresIn: number;
  /** requested_flow login_to_webpage: where the browser goes with a code once the user confirmed. */
  redirect?: { uri: string; state?: string };
}

export const CIBA_REDIRECT_GRANT = 'urn:vipps:params:grant-type:ciba-redirect';
/** The redirect variant's ID token lives 10 minutes (reference B4). */
const CIBA_REDIRECT_ID_TOKEN_TTL = 600;

const msnOf = (hooks: ProviderHooks, ctx: KoaContextWithOIDC): string | undefined => {
  const clientId = ctx.oidc.client?.clientId;
  return clientId ? hooks.merchants.byClient(clientId)?.msn : undefined;
};

export function buildProvider(issuer: string, signingKeys: JWK[], cookieKeys: string[], hooks: ProviderHooks): Provider {
  const config: Configuration = {
    adapter: adapterClass(hooks),
    jwks: { keys: signingKeys as never },
    cookies: { keys: cookieKeys },
    routes: {
      authorization: PATHS.authorization,
      token: PATHS.token,
      jwks: PATHS.jwks,
      backchannel_authentication: PATHS.ciba,
      // Not served by the provider (userinfo is the Userinfo API's, revocation and logout are not
      // supported by Vipps), but oidc-provider wants a path for each.
      userinfo: `${BASE}/oidc-provider/userinfo`,
      end_session: `${BASE}/oauth2/sessions/logout`,
      revocation: `${BASE}/oauth2/revoke`,
      introspection: `${BASE}/oidc-provider/introspection`,
      code_verification: `${BASE}/oidc-provider/device`,
      device_authorization: `${BASE}/oidc-provider/device/auth`,
      pushed_authorization_request: `${BASE}/oidc-provider/par`,
      registration: `${BASE}/oidc-provider/reg`,
    },
    scopes: [...LOGIN_SCOPES],
    // The ID token carries sub and msn (reference B4); profile claims come from userinfo only.
    claims: { openid: ['sub', 'msn'] },
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    // S256 only here: Vipps' plain (its default) is turned into S256 before the provider (routes.ts).
    pkce: { methods: ['S256'], required: () => false },
    extraParams: ['requested_flow', 'app_callback_uri', 'final_redirect_is_app'],
    features: {
      devInteractions: { enabled: false },
      // `request` objects (Vipps' discovery: request_parameter_supported), signed with the client
      // secret (HS256) or unsigned; `request_uri` would make the emulator fetch the merchant's URL.
      requestObjects: { request: true, requestUri: false, requireUriRegistration: true, requireSignedRequestObject: false, mode: 'strict' },
      userinfo: { enabled: false },
      revocation: { enabled: false },
      ciba: {
        enabled: true,
        deliveryModes: ['poll'],
        async processLoginHint(ctx, loginHint) {
          const msn = msnOf(hooks, ctx);
          const phone = phoneOfLoginHint(loginHint ?? "");
          if (!msn || !phone) throw new errors.InvalidRequest('login_hint must be urn:msisdn:<MSISDN>, e.g. urn:msisdn:4712345678');
          const user = await hooks.userByPhone(phone);
          if (!user) throw new errors.UnknownUserId(`no Vipps user has the phone number ${phone}`);
          return subjectOf(msn, user);
        },
        async validateBindingMessage(_ctx, bindingMessage) {
          if (bindingMessage !== undefined && !BINDING_MESSAGE.test(bindingMessage)) {
            throw new errors.InvalidBindingMessage('binding_message must be 5 to 8 of A-Z, 0-9 and -, e.g. XYZ-123');
          }
        },
        async validateRequestContext() {},
        async verifyUserCode() {},
        async triggerAuthenticationDevice(ctx, request, account, client) {
          const msn = hooks.merchants.byClient(client.clientId)!.msn;
          const user = await hooks.userOf(msn, String(account.accountId));
          const params = request.params as Record<string, string | undefined>;
          // oidc-provider drops redirect_uri and state from a CIBA request: read them from the form.
          const body = (ctx.oidc.body ?? {}) as Record<string, unknown>;
          const redirectUri = body.requested_flow === 'login_to_webpage' && typeof body.redirect_uri === 'string' ? body.redirect_uri : undefined;
          await hooks.startCiba({
            ...(redirectUri ? { redirect: { uri: redirectUri, ...(typeof body.state === 'string' ? { state: body.state } : {}) } } : {}),
            id: String(request.jti),
            msn,
            phoneNumber: user!.phoneNumber,
            scope: request.scope ?? 'openid',
            ...(params.binding_message ? { bindingMessage: params.binding_message } : {}),
            expiresIn: request.expiration,
          });
        },
      },
    },
    async findAccount(ctx, sub) {
      const msn = msnOf(hooks, ctx);
      const user = msn ? await hooks.userOf(msn, sub) : undefined;
      if (!msn || !user) return undefined;
      return {
        accountId: sub,
        // Only sub and msn: the ID token has no profile claims, and userinfo is the Userinfo API's.
        claims: async () => ({ sub, msn }),
      };
    },
    // Consents are the platform's (shared with the payment flows): a remembered browser whose user
    // has consented to every requested scope gets its code at once, without a prompt.
    async loadExistingGrant(ctx) {
      const { Grant } = ctx.oidc.provider;
      const client = ctx.oidc.client!;
      const fromInteraction = ctx.oidc.result?.consent?.grantId;
      if (fromInteraction) return Grant.find(fromInteraction);
      const accountId = ctx.oidc.session?.accountId;
      const msn = msnOf(hooks, ctx);
      if (!accountId || !msn) return undefined;
      const scope = String(ctx.oidc.params?.scope ?? 'openid');
      if (consentNeeded(scope, await hooks.consentedScopes(msn, accountId)).length > 0) return undefined;
      const grantId = ctx.oidc.session?.grantIdFor(client.clientId);
      const grant = (grantId && (await Grant.find(grantId))) || new Grant({ accountId, clientId: client.clientId });
      grant.addOIDCScope(scope);
      await grant.save();
      return grant;
    },
    interactions: { url: (_ctx, interaction) => `${PATHS.login}/${interaction.uid}` },
    ttl: {
      AuthorizationCode: TTL.code,
      // A polled CIBA login's token lives 5 minutes (reference B7), the others an hour.
      AccessToken: (_ctx, token) => (token.gty === 'ciba' ? TTL.cibaAccessToken : TTL.accessToken),
      IdToken: TTL.idToken,
      BackchannelAuthenticationRequest: TTL.ciba,
      Interaction: TTL.interaction,
      Session: TTL.session,
      Grant: TTL.grant,
    },
    clientBasedCORS: () => false,
    // The fatal errors (no usable redirect): a Vipps-styled page, as the real service shows.
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(`Login failed: ${out.error}`, String(out.error_description ?? out.error), { href: '/', text: 'Back to Vipps Devkit' }).value;
    },
  };
  const provider = new Provider(issuer, config);
  provider.registerGrantType(CIBA_REDIRECT_GRANT, cibaRedirectGrant(hooks), ['code']);
  return provider;
}

/**
 * `grant_type=urn:vipps:params:grant-type:ciba-redirect&code=…` (Vipps' own grant, not in
 * oidc-provider): the code the browser brought back from a login_to_webpage CIBA login. The ID
 * token's `aud` is a string, it lives 10 minutes and carries the auth request id.
 */
function cibaRedirectGrant(hooks: ProviderHooks) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const { provider } = ctx.oidc;
    const client = ctx.oidc.client!;
    const msn = hooks.merchants.byClient(client.clientId)?.msn ?? '';
    const r = await hooks.redeemRedirectCode(String(ctx.oidc.params?.code ?? ''), msn);
    if (!r) throw new errors.InvalidGrant('the code is unknown, already used, expired, or not for this client');
    const user = await hooks.userByPhone(r.phoneNumber);
    if (!user) throw new errors.InvalidGrant('the user of this login no longer exists');
    const sub = subjectOf(msn, user);
    const grant = new provider.Grant({ accountId: sub, clientId: client.clientId });
    grant.addOIDCScope(r.scope);
    await grant.save();
    const at = new provider.AccessToken({ accountId: sub, client, grantId: grant.jti, scope: r.scope, gty: CIBA_REDIRECT_GRANT });
    const accessToken = await at.save();
    const idToken = new provider.IdToken({ sub, msn }, { ctx });
    (idToken as unknown as { scope: string }).scope = 'openid';
    // The docs name the claim auth_req_id, their encoded example authReqId: both are set.
    idToken.set('auth_req_id', r.id);
    idToken.set('authReqId', r.id);
    idToken.set('at_hash', accessToken);
    const id_token = await idToken.issue({ use: 'idtoken', expiresAt: Math.floor(Date.now() / 1000) + CIBA_REDIRECT_ID_TOKEN_TTL });
    ctx.body = { access_token: accessToken, expires_in: at.expiration, id_token, scope: r.scope, token_type: 'bearer' };
    await next();
  };
}
