/**
 * ePayment v1 request and response schemas, written once: Fastify validates requests and
 * serializes responses with them. Field names and limits follow the official spec.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Currency = Type.Union([Type.Literal('NOK'), Type.Literal('DKK'), Type.Literal('EUR')]);
export const Amount = Type.Object({
  currency: Currency,
  value: Type.Integer({ minimum: 0, maximum: 65_000_000 }),
});
export const Reference = Type.String({ pattern: '^[a-zA-Z0-9-]{8,50}$' });
export const Msn = Type.String({ pattern: '^[0-9]{4,6}$' });

const Customer = Type.Object({
  phoneNumber: Type.Optional(Type.String({ pattern: '^\\d{10,15}$' })),
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

const RFC3339 = '^((?:(\\d{4}-\\d{2}-\\d{2})(T|t)(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?))(Z|z|([+-](?:2[0-3]|[01][0-9]):[0-5][0-9])))$';

export const CreatePaymentRequest = Type.Object({
  amount: Amount,
  paymentMethod: Type.Object({ type: Type.Union([Type.Literal('WALLET'), Type.Literal('CARD')]) }),
  reference: Reference,
  userFlow: Type.Union([Type.Literal('PUSH_MESSAGE'), Type.Literal('NATIVE_REDIRECT'), Type.Literal('WEB_REDIRECT'), Type.Literal('QR')]),
  customer: Type.Optional(Customer),
  customerInteraction: Type.Optional(Type.Union([Type.Literal('CUSTOMER_PRESENT'), Type.Literal('CUSTOMER_NOT_PRESENT')])),
  industryData: Type.Optional(Type.Object({ airlineData: Type.Optional(AirlineData) })),
  profile: Type.Optional(Type.Object({ scope: Type.Optional(Type.String()) })),
  returnUrl: Type.Optional(Type.String({ minLength: 1 })),
  expiresAt: Type.Optional(Nullable(Type.String({ pattern: RFC3339 }))),
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

const headerText = Type.String({ maxLength: 30 });
export const CommonHeaders = Type.Object({
  'vipps-system-name': Type.Optional(headerText),
  'vipps-system-version': Type.Optional(headerText),
  'vipps-system-plugin-name': Type.Optional(headerText),
  'vipps-system-plugin-version': Type.Optional(headerText),
});
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
const State = Type.Union(['CREATED', 'ABORTED', 'EXPIRED', 'AUTHORIZED', 'TERMINATED'].map((s) => Type.Literal(s)));
const EventName = Type.Union(['CREATED', 'ABORTED', 'EXPIRED', 'CANCELLED', 'CAPTURED', 'REFUNDED', 'AUTHORIZED', 'TERMINATED'].map((s) => Type.Literal(s)));

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
  timestamp: Type.String(),
  idempotencyKey: Nullable(Type.String()),
  success: Type.Boolean(),
});
export const EventLogResponse = Type.Array(PaymentEventSchema);
