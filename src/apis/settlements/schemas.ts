/** TypeBox schemas of the Report API (report.yaml) and of the settlements control API. */
import { Type, type Static } from '@sinclair/typebox';

const Money = Type.Integer({ description: 'Minor units (øre): 499 kr = 49900' });

export const LedgersQuery = Type.Object({
  settlesForRecipientHandles: Type.Optional(Type.String({ description: 'Only ledgers that settle for this handle, e.g. api:123456' })),
  cursor: Type.Optional(Type.String()),
});

export const Ledger = Type.Object({
  ledgerId: Type.String(),
  currency: Type.String(),
  payoutBankAccount: Type.Object({ scheme: Type.String(), id: Type.String() }),
  owner: Type.Object({ scheme: Type.String(), id: Type.String() }),
  settlesForRecipientHandles: Type.Array(Type.String()),
});
export type Ledger = Static<typeof Ledger>;

export const LedgersResponse = Type.Object({ cursor: Type.String(), items: Type.Array(Ledger) });

export const Topic = Type.Union([Type.Literal('funds'), Type.Literal('fees')]);

export const DatesParams = Type.Object({
  ledgerId: Type.String({ maxLength: 40 }),
  topic: Topic,
  ledgerDate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' }),
});
export const FeedParams = Type.Object({ ledgerId: Type.String({ maxLength: 40 }), topic: Topic });
export const CursorQuery = Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 2000 })) });

export const Entry = Type.Object({
  pspReference: Type.String(),
  time: Type.String({ description: 'UTC, microseconds: 2022-10-01T14:33:00.824000Z' }),
  ledgerDate: Type.String(),
  entryType: Type.String(),
  reference: Type.String(),
  currency: Type.String(),
  amount: Money,
  balanceBefore: Money,
  balanceAfter: Money,
  recipientHandle: Type.Union([Type.String(), Type.Null()]),
});
export type Entry = Static<typeof Entry>;

export const ReportPage = Type.Object({
  cursor: Type.Optional(Type.String()),
  hasMore: Type.Optional(Type.Boolean()),
  tryLater: Type.Optional(Type.Boolean()),
  items: Type.Array(Entry),
});
export type ReportPage = Static<typeof ReportPage>;

export const V1Query = Type.Object({
  ledgerId: Type.String({ maxLength: 40 }),
  ledgerDate: Type.Optional(Type.String({ maxLength: 10 })),
  fromLedgerDate: Type.Optional(Type.String({ maxLength: 10 })),
  toLedgerDate: Type.Optional(Type.String({ maxLength: 10 })),
  inPayout: Type.Optional(Type.String({ maxLength: 10 })),
  sincePayout: Type.Optional(Type.String({ maxLength: 10 })),
  cursor: Type.Optional(Type.String({ maxLength: 2000 })),
});
export type V1Query = Static<typeof V1Query>;

export const V1Item = Type.Object({
  transactionId: Type.String(),
  timestamp: Type.String(),
  ledgerDate: Type.String(),
  ledgerId: Type.String(),
  transactionType: Type.String(),
  orderId: Type.String(),
  currency: Type.String(),
  ledgerAmount: Money,
  grossAmount: Money,
  fee: Money,
  recipientHandle: Type.Union([Type.String(), Type.Null()]),
});
export type V1Item = Static<typeof V1Item>;
export const V1Response = Type.Object({ cursor: Type.String(), items: Type.Array(V1Item) });

// ---- control API ----

export const FeeModelSchema = Type.Object({
  percentBp: Type.Integer({ minimum: 0, maximum: 10_000, description: 'Basis points of the amount (150 = 1.5 %)' }),
  fixed: Type.Integer({ minimum: 0, maximum: 100_000_00, description: 'Fixed part, øre' }),
});

export const SalesUnitSchema = Type.Object({
  msn: Type.String(),
  ledgerId: Type.String(),
  saleUnitName: Type.String(),
  organizationName: Type.String(),
  organizationNumber: Type.String(),
  mainAddress: Type.String(),
  mainAddressZipCode: Type.String(),
  mainAddressCity: Type.String(),
  mainAddressCountryCode: Type.String(),
  settlementAccount: Type.String(),
  country: Type.String(),
  currency: Type.String(),
  settlementType: Type.Union([Type.Literal('Net'), Type.Literal('Gross')]),
  frequency: Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly')]),
  fee: FeeModelSchema,
  cutoffHour: Type.Integer(),
});

export const SalesUnitPatch = Type.Object(
  {
    saleUnitName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    organizationName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    organizationNumber: Type.Optional(Type.String({ pattern: '^[0-9]{9}$' })),
    mainAddress: Type.Optional(Type.String({ maxLength: 100 })),
    mainAddressZipCode: Type.Optional(Type.String({ maxLength: 10 })),
    mainAddressCity: Type.Optional(Type.String({ maxLength: 100 })),
    mainAddressCountryCode: Type.Optional(Type.String({ maxLength: 3 })),
    settlementAccount: Type.Optional(Type.String({ pattern: '^[0-9]{11}$' })),
    settlementType: Type.Optional(Type.Union([Type.Literal('Net'), Type.Literal('Gross')])),
    frequency: Type.Optional(Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly')])),
    fee: Type.Optional(FeeModelSchema),
    cutoffHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 12, description: 'Ledger dates run from this Oslo hour to the same hour the next day' })),
  },
  { additionalProperties: false },
);
export type SalesUnitPatch = Static<typeof SalesUnitPatch>;

export const SettlementSchema = Type.Object({
  settlementId: Type.String(),
  msn: Type.String(),
  ledgerId: Type.String(),
  currency: Type.String(),
  settlementType: Type.String(),
  settlementDate: Type.String(),
  firstLedgerDate: Type.String(),
  createdAt: Type.String(),
  payoutDate: Type.String(),
  payoutStatus: Type.String(),
  numberOfTransactions: Type.Integer(),
  captureAmount: Money,
  refundAmount: Money,
  grossAmount: Money,
  feeAmount: Money,
  netAmount: Money,
  settledAmount: Money,
  settlementAccount: Type.String(),
  bankText: Type.String(),
});

export const SettlementList = Type.Object({ settlements: Type.Array(SettlementSchema) });

export const TransactionSchema = Type.Object({
  transactionId: Type.String(),
  msn: Type.String(),
  kind: Type.String(),
  time: Type.String(),
  ledgerDate: Type.String(),
  captureAmount: Money,
  refundAmount: Money,
  grossAmount: Money,
  feeAmount: Money,
  netAmount: Money,
  currency: Type.String(),
  orderId: Type.String(),
  source: Type.String(),
  settlementId: Type.Union([Type.String(), Type.Null()]),
});

export const ListQuery = Type.Object({
  msn: Type.Optional(Type.String({ pattern: '^[0-9]{4,6}$' })),
  from: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
  to: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
});

export const MsnParams = Type.Object({ msn: Type.String({ pattern: '^[0-9]{4,6}$' }) });
export const SettlementParams = Type.Object({ msn: Type.String({ pattern: '^[0-9]{4,6}$' }), settlementId: Type.String({ pattern: '^[0-9]{7}$' }) });

export const MovementRequest = Type.Object(
  {
    kind: Type.Union([Type.Literal('capture'), Type.Literal('refund')]),
    amount: Type.Integer({ minimum: 1, maximum: 1_000_000_00 }),
    reference: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
