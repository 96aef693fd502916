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

export const BASE = '/access-management-1.0/access';
export const PATHS = {
  discovery: `${BASE}/.well-known/openid-configuration`,
  jwks: `${BASE}/.well-known/jwks.json`,
  authorization: `${BASE}/oauth2/auth`,
  token: `${BASE}/oauth2/token`,
  login: `${BASE}/login`,
  userinfo: '/vipps-userinfo-api/userinfo',
  ciba: '/vipps-login-ciba/api/backchannel/authentication',
} as const;

/** What the provider asks the rest of the module. */
export interface ProviderHooks extends AdapterDeps {
  /** The test user a sub names for a sales unit. */
  userOf(msn: string, sub: string): Promise<TestUser | undefined>;
  userByPhone(phoneNumber: string): Promise<TestUser | undefined>;
  /** The consent scopes the user has given the sales unit. */
  consentedScopes(msn: string, sub: string): Promise<Set<string>>;
  /** CIBA: put the login into the user's app. */
  startCiba(input: { id: string; msn: string; phoneNumber: string; scope: string; bindingMessage?: string; expiresIn: number }): Promise<void>;
}

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
    pkce: { methods: ['S256'], required: () => false },
    extraParams: ['requested_flow', 'app_callback_uri', 'final_redirect_is_app'],
    features: {
      devInteractions: { enabled: false },
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
          await hooks.startCiba({
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
      AccessToken: TTL.accessToken,
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
  return new Provider(issuer, config);
}
