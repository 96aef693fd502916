/**
 * Where Vipps Login's endpoints live. Apart from provider.ts so that the routes and the app's
 * views know them without loading oidc-provider, which is loaded when the first login needs it.
 */
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
