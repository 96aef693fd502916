/** Login API schemas (../shared/specs/login.yaml): the discovery document, the JWKS, the token response, the control API. */
import { Type, type Static } from '@sinclair/typebox';
import { AUTH_METHODS } from './domain.js';

export const WellKnown = Type.Object({
  issuer: Type.String(),
  authorization_endpoint: Type.String(),
  token_endpoint: Type.String(),
  jwks_uri: Type.String(),
  userinfo_endpoint: Type.String(),
  backchannel_authentication_endpoint: Type.String(),
  backchannel_token_delivery_modes_supported: Type.Array(Type.String()),
  backchannel_user_code_parameter_supported: Type.Boolean(),
  subject_types_supported: Type.Array(Type.String()),
  response_types_supported: Type.Array(Type.String()),
  response_modes_supported: Type.Array(Type.String()),
  claims_supported: Type.Array(Type.String()),
  grant_types_supported: Type.Array(Type.String()),
  scopes_supported: Type.Array(Type.String()),
  token_endpoint_auth_methods_supported: Type.Array(Type.String()),
  id_token_signing_alg_values_supported: Type.Array(Type.String()),
  code_challenge_methods_supported: Type.Array(Type.String()),
  request_parameter_supported: Type.Boolean(),
  request_uri_parameter_supported: Type.Boolean(),
  claims_parameter_supported: Type.Boolean(),
  backchannel_logout_supported: Type.Boolean(),
  frontchannel_logout_supported: Type.Boolean(),
});
export type WellKnown = Static<typeof WellKnown>;

export const JsonWebKey = Type.Object({ kid: Type.String(), kty: Type.String(), alg: Type.String(), use: Type.String(), n: Type.String(), e: Type.String() });
export const JsonWebKeySet = Type.Object({ keys: Type.Array(JsonWebKey) });

export const TokenResponse = Type.Object({
  access_token: Type.String(),
  id_token: Type.Optional(Type.String()),
  expires_in: Type.Integer(),
  scope: Type.Optional(Type.String()),
  token_type: Type.String(),
});

export const TokenForm = Type.Object({
  grant_type: Type.String(),
  code: Type.Optional(Type.String()),
  redirect_uri: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  code_verifier: Type.Optional(Type.String()),
  auth_req_id: Type.Optional(Type.String()),
});

export const CibaStartResponse = Type.Object({ auth_req_id: Type.String(), expires_in: Type.Integer(), interval: Type.Integer() });

export const ClientSettingsBody = Type.Object(
  {
    redirectUris: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 100 })),
    tokenEndpointAuthMethod: Type.Optional(Type.Unsafe<(typeof AUTH_METHODS)[number]>({ type: 'string', enum: [...AUTH_METHODS] })),
  },
  { additionalProperties: false },
);
export const ClientSettingsView = Type.Object({
  msn: Type.String(),
  clientId: Type.String(),
  redirectUris: Type.Array(Type.String()),
  tokenEndpointAuthMethod: Type.String(),
});
