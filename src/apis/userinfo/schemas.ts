/** Userinfo API schemas (../shared/specs/userinfo.yaml): the sub in the path and the claims returned. */
import { Type, type Static } from '@sinclair/typebox';

export const SubParams = Type.Object({ sub: Type.String() });

const Address = Type.Object({
  street_address: Type.String(),
  postal_code: Type.String(),
  region: Type.String(),
  country: Type.String(),
  formatted: Type.String(),
  address_type: Type.String(),
  default: Type.Optional(Type.Boolean()),
});

const Account = Type.Object({ account_name: Type.String(), account_number: Type.String(), bank_name: Type.String() });

/** Only the claims of consented scopes appear; `sub` always. */
export const Userinfo = Type.Object({
  sub: Type.String(),
  name: Type.Optional(Type.String()),
  given_name: Type.Optional(Type.String()),
  family_name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  email_verified: Type.Optional(Type.Boolean()),
  phone_number: Type.Optional(Type.String()),
  birthdate: Type.Optional(Type.String()),
  nin: Type.Optional(Type.String()),
  address: Type.Optional(Address),
  other_addresses: Type.Optional(Type.Array(Address)),
  accounts: Type.Optional(Type.Array(Account)),
});
export type Userinfo = Static<typeof Userinfo>;

/** The user-token form's 401 (RFC 6750): `invalid_token`. */
export const UserTokenError = Type.Object({ error: Type.String(), error_description: Type.String() });
