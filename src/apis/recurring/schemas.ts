/**
 * Recurring API v3 request and response schemas (recurring.yaml, v3 paths), written once: Fastify
 * validates requests and serializes responses with them. Field names and limits follow the official
 * spec; rules that need more than a schema (which campaign fields a type needs, amount limits, due
 * dates) are in domain.ts, so that their errors name the field as the real API does.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum, SystemHeaders } from '../../platform/schemas.js';

export const AGREEMENT_STATUSES = ['PENDING', 'ACTIVE', 'STOPPED', 'EXPIRED'] as const;
export const CHARGE_STATUSES = ['PENDING', 'DUE', 'RESERVED', 'CHARGED', 'PARTIALLY_CAPTURED', 'FAILED', 'CANCELLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'PROCESSING'] as const;
export const TRANSACTION_TYPES = ['RESERVE_CAPTURE', 'DIRECT_CAPTURE'] as const;
export const FAILURE_REASONS = ['user_action_required', 'charge_amount_too_high', 'non_technical_error', 'technical_error'] as const;
export const INTERVAL_UNITS = ['YEAR', 'MONTH', 'WEEK', 'DAY'] as const;
export const CAMPAIGN_TYPES = ['PRICE_CAMPAIGN', 'PERIOD_CAMPAIGN', 'EVENT_CAMPAIGN', 'FULL_FLEX_CAMPAIGN'] as const;

export const RecurringHeaders = SystemHeaders;
/** Required on every POST, PATCH and DELETE: 1–40 characters, none of `#?/\`. Refused, it is Recurring's `idempotency-key-header` problem (errors.ts). */
export const IdempotentHeaders = Type.Composite([SystemHeaders, Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 40, pattern: '^[^#?/\\\\]+$' }) })]);
export const ListHeaders = Type.Composite([SystemHeaders, Type.Object({ 'continuation-token': Type.Optional(Type.String({ maxLength: 64 })) })]);

export const TimePeriod = Type.Object({
  unit: StringEnum(INTERVAL_UNITS),
  count: Type.Integer({ minimum: 1, maximum: 31 }),
}, { additionalProperties: false });
export type TimePeriod = Static<typeof TimePeriod>;

const Price = Type.Integer({ minimum: 0, maximum: 2_000_000_000 });
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Url = Type.String({ minLength: 1, maxLength: 1024 });
const ExternalId = Type.String({ minLength: 1, maxLength: 64 });

/** One object for the four campaign types: which fields a type needs is checked by the domain (its error names the field). */
export const CampaignRequest = Type.Object({
  type: StringEnum(CAMPAIGN_TYPES),
  price: Price,
  end: Type.Optional(Type.String({ maxLength: 64 })),
  period: Type.Optional(TimePeriod),
  eventDate: Type.Optional(Type.String({ maxLength: 64 })),
  eventText: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  interval: Type.Optional(TimePeriod),
}, { additionalProperties: false });
export type CampaignRequest = Static<typeof CampaignRequest>;

export const PricingRequest = Type.Object({
  type: Type.Optional(StringEnum(['LEGACY', 'VARIABLE'] as const)),
  currency: StringEnum(['NOK'] as const),
  amount: Type.Optional(Type.Integer({ minimum: 100, maximum: 2_000_000_000 })),
  suggestedMaxAmount: Type.Optional(Type.Integer({ minimum: 100, maximum: 2_000_000 })),
}, { additionalProperties: false });
export type PricingRequest = Static<typeof PricingRequest>;

export const InitialChargeRequest = Type.Object({
  amount: Type.Integer({ minimum: 100, maximum: 2_000_000_000 }),
  description: Text(45),
  transactionType: StringEnum(TRANSACTION_TYPES),
  orderId: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-zA-Z0-9-]+$' })),
  externalId: Type.Optional(ExternalId),
  // v2 had a currency here and the spec's own example still sends it: accepted, must be NOK.
  currency: Type.Optional(StringEnum(['NOK'] as const)),
}, { additionalProperties: false });
export type InitialChargeRequest = Static<typeof InitialChargeRequest>;

export const DraftAgreementRequest = Type.Object({
  pricing: PricingRequest,
  interval: TimePeriod,
  merchantRedirectUrl: Url,
  merchantAgreementUrl: Url,
  productName: Text(45),
  productDescription: Type.Optional(Type.String({ maxLength: 100 })),
  phoneNumber: Type.Optional(Type.String({ maxLength: 15, pattern: '^\\d{8,15}$' })),
  initialCharge: Type.Optional(InitialChargeRequest),
  campaign: Type.Optional(Nullable(CampaignRequest)),
  scope: Type.Optional(Type.String({ maxLength: 200 })),
  isApp: Type.Optional(Type.Boolean()),
  skipLandingPage: Type.Optional(Type.Boolean()),
  externalId: Type.Optional(ExternalId),
  countryCode: Type.Optional(StringEnum(['NO'] as const)),
}, { additionalProperties: false });
export type DraftAgreementRequest = Static<typeof DraftAgreementRequest>;

export const DraftAgreementResponse = Type.Object({
  agreementId: Type.String(),
  uuid: Type.String({ format: 'uuid' }),
  vippsConfirmationUrl: Type.String(),
  chargeId: Nullable(Type.String()),
});

export const PricingResponse = Type.Union([
  Type.Object({ type: Type.Literal('LEGACY'), currency: Type.String(), amount: Type.Integer() }),
  Type.Object({ type: Type.Literal('VARIABLE'), currency: Type.String(), suggestedMaxAmount: Type.Integer(), maxAmount: Type.Integer() }),
]);

export const CampaignResponse = Type.Object({
  type: Type.String(),
  price: Type.Integer(),
  end: Type.Optional(Type.String()),
  period: Type.Optional(TimePeriod),
  eventDate: Type.Optional(Type.String()),
  eventText: Type.Optional(Type.String()),
  interval: Type.Optional(TimePeriod),
  explanation: Type.String(),
});

export const AgreementResponse = Type.Object({
  id: Type.String(),
  uuid: Type.String(),
  created: Type.String(),
  start: Nullable(Type.String()),
  stop: Nullable(Type.String()),
  status: StringEnum(AGREEMENT_STATUSES),
  productName: Type.String(),
  productDescription: Type.Optional(Type.String()),
  pricing: PricingResponse,
  interval: Type.Object({ unit: Type.String(), count: Type.Integer(), text: Type.String() }),
  campaign: Nullable(CampaignResponse),
  merchantAgreementUrl: Type.String(),
  merchantRedirectUrl: Type.String(),
  sub: Nullable(Type.String()),
  userinfoUrl: Nullable(Type.String()),
  externalId: Type.Optional(Type.String()),
  countryCode: Type.String(),
  vippsConfirmationUrl: Type.String(),
});
export type AgreementResponse = Static<typeof AgreementResponse>;
export const AgreementListResponse = Type.Array(AgreementResponse);

export const ListAgreementsQuery = Type.Object({
  status: Type.Optional(StringEnum(AGREEMENT_STATUSES)),
  createdAfter: Type.Optional(Type.String({ pattern: '^\\d{1,15}$', description: 'Epoch milliseconds' })),
  pageNumber: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,6}$' })),
  pageSize: Type.Optional(Type.String({ pattern: '^[1-9]\\d{0,3}$' })),
});

export const PatchAgreementRequest = Type.Object({
  productName: Type.Optional(Text(45)),
  productDescription: Type.Optional(Type.String({ maxLength: 100 })),
  merchantAgreementUrl: Type.Optional(Url),
  externalId: Type.Optional(ExternalId),
  status: Type.Optional(StringEnum(['STOPPED'] as const)),
  pricing: Type.Optional(Type.Object({
    amount: Type.Optional(Type.Integer({ minimum: 100, maximum: 2_000_000_000 })),
    suggestedMaxAmount: Type.Optional(Type.Integer({ minimum: 100, maximum: 2_000_000 })),
  }, { additionalProperties: false })),
  interval: Type.Optional(Type.Object({
    type: Type.Optional(StringEnum(['RECURRING'] as const)),
    period: Type.Optional(TimePeriod),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type PatchAgreementRequest = Static<typeof PatchAgreementRequest>;

export const ForceAcceptRequest = Type.Object({ phoneNumber: Type.String({ minLength: 1, maxLength: 15 }) }, { additionalProperties: false });

export const AgreementParams = Type.Object({ agreementId: Type.String({ minLength: 1, maxLength: 64 }) });
export const ChargeParams = Type.Object({ agreementId: Type.String({ minLength: 1, maxLength: 64 }), chargeId: Type.String({ minLength: 1, maxLength: 64 }) });
export const ChargeIdParams = Type.Object({ chargeId: Type.String({ minLength: 1, maxLength: 64 }) });

/** A merchant's charge id: becomes the chargeId. */
export const OrderId = Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-zA-Z0-9-]+$' });
const Due = Type.String({ maxLength: 10, description: 'YYYY-MM-DD' });
export const CreateChargeRequest = Type.Object({
  amount: Type.Integer({ minimum: 100, maximum: 2_000_000_000 }),
  transactionType: StringEnum(TRANSACTION_TYPES),
  description: Text(45),
  due: Type.Optional(Due),
  retryDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 14 })),
  orderId: Type.Optional(OrderId),
  externalId: Type.Optional(ExternalId),
  // SDK 2024: UNSCHEDULED charges need no due date or retry days.
  type: Type.Optional(StringEnum(['RECURRING', 'UNSCHEDULED'] as const)),
}, { additionalProperties: false });
export type CreateChargeRequest = Static<typeof CreateChargeRequest>;

export const ChargeReference = Type.Object({ chargeId: Type.String() });

/** `POST /recurring/v3/agreements/charges` (SDK 2024): items are checked one by one, not by the schema, so that one bad item does not refuse the rest. */
// Later docs allow 2,000 items; the emulator's JSON limits take 1,000 items in one array (src/platform/limits.ts).
export const CreateChargesAsyncRequest = Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 });
export const CreateChargesAsyncResponse = Type.Object({
  validCharges: Type.Array(Type.String()),
  invalidCharges: Type.Array(Type.Object({ chargeBatchItemDto: Type.Unknown(), errors: Type.Array(Type.String()) })),
});

export const ModifyChargeRequest = Type.Object({
  amount: Type.Integer({ minimum: 100, maximum: 2_000_000_000 }),
  // Required by the spec, deprecated by the SDK ("the charge description is used").
  description: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });
export type ModifyChargeRequest = Static<typeof ModifyChargeRequest>;

export const ChargeEventSchema = Type.Object({
  occurred: Type.String(),
  event: StringEnum(['CREATE', 'RESERVE', 'CAPTURE', 'REFUND', 'CANCEL', 'FAIL'] as const),
  amount: Type.Integer(),
  idempotencyKey: Type.String(),
  success: Type.Boolean(),
});
export type ChargeEvent = Static<typeof ChargeEventSchema>;

export const ChargeResponse = Type.Object({
  id: Type.String(),
  agreementId: Type.String(),
  externalId: Nullable(Type.String()),
  externalAgreementId: Nullable(Type.String()),
  amount: Type.Integer(),
  currency: Type.String(),
  description: Type.String(),
  due: Type.String(),
  retryDays: Type.Integer(),
  status: StringEnum(CHARGE_STATUSES),
  type: StringEnum(['INITIAL', 'RECURRING', 'UNSCHEDULED'] as const),
  transactionType: StringEnum(TRANSACTION_TYPES),
  transactionId: Nullable(Type.String()),
  failureReason: Nullable(StringEnum(FAILURE_REASONS)),
  failureDescription: Nullable(Type.String()),
  summary: Type.Object({ captured: Type.Integer(), refunded: Type.Integer(), cancelled: Type.Integer() }),
  history: Type.Array(ChargeEventSchema),
});
export type ChargeResponse = Static<typeof ChargeResponse>;
export const ChargeListResponse = Type.Array(ChargeResponse);
export const ListChargesQuery = Type.Object({ status: Type.Optional(StringEnum(CHARGE_STATUSES)) });

/** Recurring's problem body (ErrorV3): `extraDetails` items are `{field, text}`. */
export const RecurringErrorBody = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  contextId: Type.String(),
  extraDetails: Type.Optional(Type.Array(Type.Object({ field: Type.String(), text: Type.String() }))),
});
export type RecurringErrorBody = Static<typeof RecurringErrorBody>;
