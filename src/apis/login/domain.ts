/**
 * The Login API's rules, pure: which scopes exist, a client's metadata from the merchant's portal
 * settings, the login hint, the binding message, when a key rotates, and a login request's state
 * machine (pending → approved | rejected, or expired on the emulator clock).
 */
import { PROFILE_SCOPES, type ProfileScope } from '../../platform/consents.js';

/** The scopes a client may ask for (discovery's list; `openid` needs no consent). */
export const LOGIN_SCOPES = ['openid', 'name', 'email', 'phoneNumber', 'address', 'birthDate', 'nin', 'api_version_2', 'offline'] as const;
/** The scopes that need the user's consent: the profile scopes Userinfo answers for. */
export const CONSENT_SCOPES: readonly ProfileScope[] = PROFILE_SCOPES.filter((s) => s !== 'accountNumbers');

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** The portal's Login settings of a sales unit. */
export interface ClientSettings {
  redirectUris: string[];
  tokenEndpointAuthMethod: AuthMethod;
}

export const DEFAULT_SETTINGS: ClientSettings = { redirectUris: [], tokenEndpointAuthMethod: 'client_secret_basic' };

/** Lifetimes, in seconds (reference B3, B4, B7). */
export const TTL = {
  /** "A couple of minutes". */
  code: 120,
  accessToken: 3600,
  cibaAccessToken: 300,
  idToken: 3600,
  /** The user confirms in the app within the CIBA request's lifetime. */
  ciba: 600,
  /** A login started on the login page waits this long for the app. */
  loginRequest: 600,
  interaction: 3600,
  session: 14 * 24 * 3600,
  grant: 14 * 24 * 3600,
} as const;

/** CIBA: the polling interval the start response gives. */
export const CIBA_INTERVAL = 5;

/** ID-token signing keys rotate after this long on the emulator clock; the previous key stays published. */
export const KEY_ROTATION_MS = 30 * 24 * 3600 * 1000;
/** How many signing keys the JWKS publishes: the current one and the previous one. */
export const PUBLISHED_KEYS = 2;

export function rotationDue(newestCreatedAt: string | undefined, now: Date): boolean {
  return newestCreatedAt === undefined || now.getTime() - Date.parse(newestCreatedAt) >= KEY_ROTATION_MS;
}

/** oidc-provider client metadata of a merchant: its keys, its portal settings. */
export function clientMetadata(m: { clientId: string; clientSecret: string }, s: ClientSettings) {
  return {
    client_id: m.clientId,
    client_secret: m.clientSecret,
    redirect_uris: s.redirectUris.map(toProviderUri),
    response_types: s.redirectUris.length > 0 ? ['code'] : [],
    grant_types: [...(s.redirectUris.length > 0 ? ['authorization_code', 'urn:vipps:params:grant-type:ciba-redirect'] : []), 'urn:openid:params:grant-type:ciba'],
    token_endpoint_auth_method: s.tokenEndpointAuthMethod,
    id_token_signed_response_alg: 'RS256',
    // Vipps' ID tokens always carry auth_time (reference B4).
    require_auth_time: true,
    backchannel_token_delivery_mode: 'poll',
    scope: LOGIN_SCOPES.join(' '),
  };
}

/**
 * A redirect URI as the portal accepts it: absolute, no fragment; a custom scheme needs a path
 * (`myapp://cb`, not `myapp://`). Returns why not, or undefined.
 */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (uri.includes('#')) return 'must not have a fragment (#)';
  if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*\/?.+/i.test(uri) || uri.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').length === 0) return 'a custom scheme needs a path (myapp://cb, not myapp://)';
  return undefined;
}

/**
 * oidc-provider takes only http(s) redirect URIs from a web client, while Vipps takes custom
 * schemes with a path (an app's `myapp://cb`). Such a URI is handed to oidc-provider as a stand-in
 * https URI under a reserved name (RFC 2606 `.invalid`), and its redirects are turned back.
 */
const STAND_IN = 'https://custom-scheme.devkit.invalid/';

export function toProviderUri(uri: string): string {
  return /^https?:/i.test(uri) ? uri : `${STAND_IN}?uri=${encodeURIComponent(uri)}`;
}

/** A redirect oidc-provider made to a stand-in → the same redirect to the custom-scheme URI; others unchanged. */
export function fromProviderUri(location: string): string {
  if (!location.startsWith(STAND_IN)) return location;
  const standIn = new URL(location);
  const target = new URL(standIn.searchParams.get('uri') ?? '');
  for (const [k, v] of standIn.searchParams) if (k !== 'uri') target.searchParams.append(k, v);
  return target.href;
}

/** CIBA `login_hint`: `urn:msisdn:4712345678`, or the older `urn:mobilenumber:12345678` (8 digits, Norway). */
export function phoneOfLoginHint(hint: string): string | undefined {
  const msisdn = /^urn:msisdn:(\d{10,15})$/.exec(hint);
  if (msisdn) return msisdn[1];
  const old = /^urn:mobilenumber:(\d{8})$/.exec(hint);
  return old ? `47${old[1]}` : undefined;
}

/** CIBA `binding_message`: shown in the app; 5–8 of A–Z, 0–9 and '-'. */
export const BINDING_MESSAGE = /^[A-Z0-9-]{5,8}$/;

export type LoginKind = 'browser' | 'ciba' | 'ciba-redirect';
export type LoginStatus = 'pending' | 'approved' | 'rejected';

/** A login waiting for (or done with) the user's confirmation in the app. */
export interface LoginRequest {
  id: string;
  kind: LoginKind;
  msn: string;
  phoneNumber: string;
  scope: string;
  bindingMessage?: string;
  /** CIBA login_to_webpage: where the browser goes after the user confirmed. */
  redirectUri?: string;
  /** Login page with requested_flow=app_to_app: the merchant app's deeplink the Vipps app opens after the user answered. */
  appCallbackUri?: string;
  /** Login page, app switch: the app was opened on the same phone and returns to the page when answered. */
  appSwitch?: boolean;
  state?: string;
  /** The app's link token (unguessable). */
  token: string;
  status: LoginStatus;
  /** CIBA login_to_webpage: the code the browser brings to the merchant. */
  code?: string;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  /** CIBA: when the client last polled the token endpoint. */
  lastPolledAt?: string;
}

export type Decision = 'approve' | 'reject';

export type DecideResult = { ok: true; request: LoginRequest } | { ok: false; reason: 'expired' | 'decided' | 'not-yours' };

export const isExpired = (r: LoginRequest, now: Date) => r.status === 'pending' && now.getTime() >= Date.parse(r.expiresAt);

/** The user confirms or refuses in the app. */
export function decide(r: LoginRequest, decision: Decision, phoneNumber: string, now: Date, code?: string): DecideResult {
  if (r.phoneNumber !== phoneNumber) return { ok: false, reason: 'not-yours' };
  if (r.status !== 'pending') return { ok: false, reason: 'decided' };
  if (isExpired(r, now)) return { ok: false, reason: 'expired' };
  return { ok: true, request: { ...r, status: decision === 'approve' ? 'approved' : 'rejected', decidedAt: now.toISOString(), ...(decision === 'approve' && code ? { code } : {}) } };
}

/** CIBA polling: faster than the interval is slow_down (the poll still counts as the last one). */
export function pollTooSoon(r: LoginRequest, now: Date): boolean {
  return r.lastPolledAt !== undefined && now.getTime() - Date.parse(r.lastPolledAt) < CIBA_INTERVAL * 1000;
}

/** CIBA login_to_webpage: the code is good once, within its lifetime after the user confirmed. */
export function redeemable(r: LoginRequest, msn: string, now: Date): boolean {
  return r.kind === 'ciba-redirect' && r.msn === msn && r.status === 'approved' && r.code !== undefined && r.decidedAt !== undefined && now.getTime() - Date.parse(r.decidedAt) < TTL.code * 1000;
}

/** The scopes of a request that need consent, and which of them the user has not given this sales unit yet. */
export function consentNeeded(scope: string, consented: ReadonlySet<string>): ProfileScope[] {
  return CONSENT_SCOPES.filter((s) => scope.split(/\s+/).includes(s) && !consented.has(s));
}

/** What the app shows for each consent scope. */
export const SCOPE_TEXT: Record<ProfileScope, string> = {
  name: 'Name',
  email: 'Email address',
  phoneNumber: 'Phone number',
  birthDate: 'Date of birth',
  address: 'Address',
  nin: 'National identity number',
  accountNumbers: 'Account numbers',
};

/**
 * requested_flow=app_to_app (reference B2): after the user answered, the Vipps app opens the
 * merchant app's `app_callback_uri` with the `state` and either `resume_uri` (opened in the
 * original browser, it completes the login there) or the error.
 */
export function appToAppReturn(r: LoginRequest, resumeUri: string): string | undefined {
  if (!r.appCallbackUri) return undefined;
  const url = new URL(r.appCallbackUri);
  if (r.state !== undefined) url.searchParams.set('state', r.state);
  if (r.status === 'rejected') {
    url.searchParams.set('error', 'access_denied');
    url.searchParams.set('error_description', 'The user refused the login in the Vipps app.');
  } else url.searchParams.set('resume_uri', resumeUri);
  return url.href;
}

/** Why an app_to_app authorization is refused (error, description), or undefined. */
export function appToAppProblem(params: { requestedFlow?: string | undefined; appCallbackUri?: string | undefined }, registered: readonly string[]): [string, string] | undefined {
  if (params.requestedFlow !== 'app_to_app') return undefined;
  const uri = params.appCallbackUri;
  if (!uri) return ['invalid_app_callback_uri', 'requested_flow app_to_app needs an app_callback_uri: the deeplink back to your app.'];
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return ['invalid_app_callback_uri', `app_callback_uri ${uri} is not a URI.`];
  }
  if (parsed.hash) return ['invalid_app_callback_uri', 'app_callback_uri may not have a fragment (#).'];
  if (!registered.includes(uri)) return ['app_callback_uri_not_registered', `app_callback_uri ${uri} is not registered for this client: add it to the sales unit's redirect URIs (it must match exactly).`];
  return undefined;
}
