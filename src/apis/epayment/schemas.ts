/**
 * ePayment v1 request and response schemas, written once: Fastify validates requests and
 * serializes responses with them, and they are the OpenAPI document's. Field names and limits
 * follow the official spec; what other APIs share comes from src/platform/schemas.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Amount, Currency, Msisdn, Nullable, Rfc3339, StringEnum, SystemHeaders, Timestamp } from '../../platform/schemas.js';

export { Amount, Currency, Msn } from '../../platform/schemas.js';
export const Reference = Type.String({ pattern: '^[a-zA-Z0-9-]{8,50}$', description: "The merchant's unique reference of the payment" });

const Customer = Type.Object({
  phoneNumber: Type.Optional(Msisdn),
  personalQr: Type.Optional(Type.String({ minLength: 5, maxLength: 255 })),
  customerToken: Type.Optional(Type.String({ minLength: 1 })),
});

const OrderLine = Type.Object({
  name: Type.String(),
  id: Type.String(),
  totalAmount: Type.Integer(),
  totalAmountExcludingTax: Type.Integer(),
  totalTaxAmount: Type.Integer(),
  taxPercentage: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  taxRate: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
}, { anyOf: [{ required: ['taxRate'] }, { required: ['taxPercentage'] }] });
const Receipt = Type.Object({
  orderLines: Type.Array(OrderLine, { minItems: 1 }),
  bottomLine: Type.Object({ currency: Currency }),
});

const AirlineData = Type.Object({
  agencyInvoiceNumber: Type.String({ minLength: 1, maxLength: 6 }),
  airlineCode: Type.String({ minLength: 3, maxLength: 3 }),
  airlineDesignatorCode: Type.String({ minLength: 2, maxLength: 2 }),
  passengerName: Type.String({ minLength: 1, maxLength: 49 }),
  ticketNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
});

export const Metadata = Nullable(Type.Record(Type.String(), Type.String(), { maxProperties: 5 }));

export const UserFlow = StringEnum(['PUSH_MESSAGE', 'NATIVE_REDIRECT', 'WEB_REDIRECT', 'QR'] as const);

export const CreatePaymentRequest = Type.Object({
  amount: Amount,
  paymentMethod: Type.Object({ type: Type.Union([Type.Literal('WALLET'), Type.Literal('CARD')]) }),
  reference: Reference,
  userFlow: UserFlow,
  customer: Type.Optional(Customer),
  customerInteraction: Type.Optional(Type.Union([Type.Literal('CUSTOMER_PRESENT'), Type.Literal('CUSTOMER_NOT_PRESENT')])),
  industryData: Type.Optional(Type.Object({ airlineData: Type.Optional(AirlineData) })),
  profile: Type.Optional(Type.Object({ scope: Type.Optional(Type.String()) })),
  returnUrl: Type.Optional(Type.String({ minLength: 1 })),
  expiresAt: Type.Optional(Nullable(Rfc3339)),
  qrFormat: Type.Optional(Nullable(Type.Object({
    format: Type.Union([Type.Literal('TEXT/TARGETURL'), Type.Literal('IMAGE/SVG+XML'), Type.Literal('IMAGE/PNG')]),
    size: Type.Optional(Nullable(Type.Integer({ minimum: 100, maximum: 2000 }))),
  }))),
  paymentDescription: Type.Optional(Type.String({ minLength: 3, maxLength: 100 })),
  receipt: Type.Optional(Receipt),
  metadata: Type.Optional(Metadata),
  receiptUrl: Type.Optional(Nullable(Type.String())),
  /** Newer API versions (SDK 2024): the payer must be at least this old (whole years, from the NIN). */
  minimumUserAge: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 150 }))),
});
export type CreatePaymentRequest = Static<typeof CreatePaymentRequest>;

export const ModificationRequest = Type.Object({ modificationAmount: Amount });
export type ModificationRequest = Static<typeof ModificationRequest>;

export const CancelRequest = Nullable(Type.Object({ cancelTransactionOnly: Type.Optional(Type.Boolean()) }));

export const ForceApproveRequest = Nullable(Type.Object({
  customer: Type.Optional(Customer),
  token: Type.Optional(Type.String()),
}));
export type ForceApproveRequest = Static<typeof ForceApproveRequest>;

export const ReferenceParams = Type.Object({ reference: Reference });

export const CommonHeaders = SystemHeaders;
export const IdempotentHeaders = Type.Composite([
  CommonHeaders,
  Type.Object({ 'idempotency-key': Type.String({ minLength: 1, maxLength: 50 }) }),
]);

const AggregateSchema = Type.Object({
  authorizedAmount: Amount,
  cancelledAmount: Amount,
  capturedAmount: Amount,
  refundedAmount: Amount,
});
export const State = StringEnum(['CREATED', 'ABORTED', 'EXPIRED', 'AUTHORIZED', 'TERMINATED'] as const);
export const EventName = StringEnum(['CREATED', 'ABORTED', 'EXPIRED', 'CANCELLED', 'CAPTURED', 'REFUNDED', 'AUTHORIZED', 'TERMINATED'] as const);

export const CreatePaymentResponse = Type.Object({
  redirectUrl: Type.Optional(Type.String()),
  reference: Type.String(),
});
export const GetPaymentResponse = Type.Object({
  aggregate: AggregateSchema,
  amount: Amount,
  state: State,
  paymentMethod: Type.Object({ type: Type.String(), cardBin: Type.Optional(Type.String()) }),
  profile: Type.Object({ sub: Type.Optional(Type.String()) }),
  pspReference: Type.String(),
  redirectUrl: Type.Optional(Type.String()),
  reference: Type.String(),
  metadata: Type.Optional(Metadata),
});
export const ModificationResponse = Type.Object({
  amount: Amount,
  state: State,
  aggregate: AggregateSchema,
  pspReference: Type.String(),
  reference: Type.String(),
});
export const PaymentEventSchema = Type.Object({
  reference: Type.String(),
  pspReference: Type.String(),
  name: EventName,
  amount: Amount,
  timestamp: Timestamp,
  idempotencyKey: Nullable(Type.String()),
  success: Type.Boolean(),
});
export const EventLogResponse = Type.Array(PaymentEventSchema);
