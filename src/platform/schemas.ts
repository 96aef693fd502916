/**
 * Schemas that several APIs and the control API share, written once: Fastify validates requests
 * with them (Ajv, no coercion), serializes responses with them (fast-json-stringify) and
 * @fastify/swagger turns them into the served OpenAPI document. Field rules come from the
 * official specs in ../shared/specs (facts); the schemas are our own. An API's own shapes stay in
 * its folder (`src/apis/<api>/schemas.ts`) and build on these.
 *
 * Response schemas must be complete: fast-json-stringify drops every property a schema does not
 * declare (the test emulator checks each response against plain JSON.stringify; see
 * `verifySerialization` in src/server/app.ts).
 */
import { Kind, Type, TypeRegistry, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

// ---- building blocks ----

/** `T` or `null`. */
export const Nullable = <T extends TSchema>(schema: T, options?: SchemaOptions) => Type.Union([schema, Type.Null()], options);

/**
 * A closed set of strings, typed as their union. One `enum` rather than TypeBox's union of
 * literals: one validation error instead of one per value, and a plain enum in the document.
 * Its own kind, registered so that TypeBox's Value.Check can check it too (Ajv reads the `enum`).
 */
export function StringEnum<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, [Kind]: 'StringEnum', type: 'string', enum: [...values] });
}
if (!TypeRegistry.Has('StringEnum')) {
  TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));
}

/** An empty response (204, or a 200 without a body). */
export const NoContent = Type.Null({ description: 'No body' });

// ---- identifiers and numbers ----

/** Merchant serial number: the sales unit's 4–6 digits (ePayment, Recurring, Webhooks, control API). */
export const Msn = Type.String({ pattern: '^[0-9]{4,6}$', description: 'Merchant serial number (MSN) of the sales unit', examples: ['123456'] });
/** A Vipps user's phone number: country code and number, digits only, no `+`. */
export const Msisdn = Type.String({ pattern: '^\\d{10,15}$', description: 'MSISDN: country code and number, no +, e.g. 4791234567', examples: ['4791234567'] });
/** A Norwegian mobile number without country code (eCom v2). */
export const NorwegianMobile = Type.String({ pattern: '^\\d{8}$', description: 'Norwegian mobile number, 8 digits, no country code', examples: ['91234567'] });
export const Uuid = Type.String({ format: 'uuid' });

/** An instant as the emulator writes it (`Date.toISOString()`, UTC). */
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 instant (UTC)' });
/** RFC 3339 date-time as ePayment accepts it in requests (offset or Z required). */
export const RFC3339_PATTERN = '^((?:(\\d{4}-\\d{2}-\\d{2})(T|t)(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?))(Z|z|([+-](?:2[0-3]|[01][0-9]):[0-5][0-9])))$';
export const Rfc3339 = Type.String({ pattern: RFC3339_PATTERN, description: 'RFC 3339 date-time with an offset, e.g. 2024-01-31T12:00:00Z' });

/** An amount in minor units (øre, cents): never a decimal. */
export const MinorUnits = (options: { minimum?: number; maximum?: number; description?: string } = {}) =>
  Type.Integer({ minimum: 0, description: 'Minor units (øre, cents)', ...options });
export const Currency = StringEnum(['NOK', 'DKK', 'EUR'] as const);
/** `{currency, value}` with value in minor units (ePayment, Recurring, Checkout). */
export const Amount = Type.Object({ currency: Currency, value: MinorUnits({ maximum: 65_000_000 }) });
export type Amount = Static<typeof Amount>;

// ---- headers ----

const systemHeader = Type.String({ maxLength: 30 });
/** The optional `Vipps-System-*` headers every merchant API documents (lower case: Fastify's header names). */
export const SystemHeaders = Type.Object({
  'vipps-system-name': Type.Optional(systemHeader),
  'vipps-system-version': Type.Optional(systemHeader),
  'vipps-system-plugin-name': Type.Optional(systemHeader),
  'vipps-system-plugin-version': Type.Optional(systemHeader),
});
/** The `Merchant-Serial-Number` header: required by ePayment, optional where the token says which sales unit. */
export const MsnHeader = (required: boolean) =>
  Type.Object({ 'merchant-serial-number': required ? Type.String({ description: 'MSN of the sales unit the call is for' }) : Type.Optional(Type.String({ description: 'MSN of the sales unit the call is for' })) });

/** OpenAPI security schemes of the merchant APIs: the access token and the subscription key, checked by the gateway. */
export const SECURITY_SCHEMES = {
  accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from POST /accesstoken/get' },
  subscriptionKey: { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key', description: "The sales unit's subscription key" },
  clientId: { type: 'apiKey', in: 'header', name: 'client_id', description: "The sales unit's client id (Access Token API only)" },
  clientSecret: { type: 'apiKey', in: 'header', name: 'client_secret', description: "The sales unit's client secret (Access Token API only)" },
  adminToken: { type: 'http', scheme: 'bearer', description: 'Only when the emulator listens beyond loopback (serve --admin-token)' },
} as const;
/** Both credentials, as every merchant API call needs them. */
export const MERCHANT_SECURITY = [{ accessToken: [], subscriptionKey: [] }];

// ---- error bodies ----

/** One field-level reason, as in the real APIs' `extraDetails`. */
export const ExtraDetail = Type.Object({ name: Type.String(), reason: Type.String() });
/** RFC 7807 Problem JSON: ePayment, Recurring, Webhooks and the control API. */
export const ProblemBody = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    status: Type.Integer(),
    traceId: Type.String(),
    extraDetails: Type.Optional(Type.Array(ExtraDetail)),
  },
  { description: 'RFC 7807 problem (application/problem+json)' },
);
/** What the Azure API Management gateway in front of the real APIs answers (401 and its own faults). */
export const GatewayErrorBody = Type.Object({ statusCode: Type.Integer(), message: Type.String() }, { description: "The API gateway's error body" });

// ---- the platform's own objects, as the control API shows them ----

/** A Vipps user of the test environment (src/platform/test-users.ts), shared by every merchant. */
export const TestUser = Type.Object({
  phoneNumber: Msisdn,
  sub: Type.String({ description: 'OIDC subject' }),
  givenName: Type.String(),
  familyName: Type.String(),
  email: Type.String(),
  nin: Type.String({ description: 'Norwegian national identity number' }),
  birthDate: Type.String({ description: 'YYYY-MM-DD' }),
  address: Type.Object({ streetAddress: Type.String(), postalCode: Type.String(), city: Type.String(), country: Type.String() }),
});
