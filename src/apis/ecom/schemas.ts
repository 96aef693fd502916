/**
 * eCom v2 request schemas, written once (Fastify validates with them). Field names and limits
 * follow ../shared/specs/ecom.v2.yaml and the reference §2–§3. Unknown fields are ignored (as in
 * ePayment, decision 12); types are never coerced.
 */
import { Type, type Static } from '@sinclair/typebox';

export const OrderId = Type.String({ pattern: '^[a-zA-Z0-9-]{1,50}$' });
const Msn = Type.String({ pattern: '^\\d{5,6}$' });
const Url = Type.String({ minLength: 1, maxLength: 255 });
const TransactionText = Type.String({ maxLength: 100 });
/** Øre, NOK only, at least 1 NOK; int32 (SW21). */
const Amount = Type.Integer({ minimum: 100, maximum: 2_147_483_647 });

export const ShippingDetails = Type.Object({
  isDefault: Type.Union([Type.Literal('Y'), Type.Literal('N')]),
  priority: Type.Optional(Type.Integer()),
  shippingCost: Type.Number({ minimum: 0 }),
  shippingMethod: Type.String({ minLength: 1, maxLength: 256 }),
  shippingMethodId: Type.String({ minLength: 1, maxLength: 100 }),
});

const AdditionalData = Type.Object({
  passengerName: Type.String({ minLength: 1, maxLength: 49 }),
  airlineCode: Type.String({ minLength: 3, maxLength: 3 }),
  airlineDesignatorCode: Type.String({ minLength: 2, maxLength: 2 }),
  ticketNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 150 })),
  agencyInvoiceNumber: Type.String({ minLength: 1, maxLength: 6 }),
});

export const InitiateRequest = Type.Object({
  customerInfo: Type.Object({
    // Repaired (+47, 0047, spaces) before it is checked; see service.
    mobileNumber: Type.Optional(Type.String({ maxLength: 20 })),
  }),
  merchantInfo: Type.Object({
    merchantSerialNumber: Msn,
    callbackPrefix: Url,
    fallBack: Url,
    authToken: Type.Optional(Type.String({ maxLength: 255 })),
    isApp: Type.Optional(Type.Boolean()),
    paymentType: Type.Optional(Type.Union([Type.Literal('eComm Regular Payment'), Type.Literal('eComm Express Payment')])),
    shippingDetailsPrefix: Type.Optional(Url),
    consentRemovalPrefix: Type.Optional(Url),
    staticShippingDetails: Type.Optional(Type.Array(ShippingDetails)),
  }),
  transaction: Type.Object({
    orderId: OrderId,
    amount: Amount,
    transactionText: TransactionText,
    timeStamp: Type.Optional(Type.String()),
    skipLandingPage: Type.Optional(Type.Boolean()),
    scope: Type.Optional(Type.String({ pattern: '^(name|address|email|phoneNumber|birthDate|nin|accountNumbers)( (name|address|email|phoneNumber|birthDate|nin|accountNumbers))*$' })),
    useExplicitCheckoutFlow: Type.Optional(Type.Boolean()),
    additionalData: Type.Optional(AdditionalData),
  }),
});
export type InitiateRequest = Static<typeof InitiateRequest>;

export const ActionRequest = Type.Object({
  merchantInfo: Type.Object({ merchantSerialNumber: Msn }),
  transaction: Type.Object({
    // Omitted, null or 0 on capture: the whole remaining amount.
    amount: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), Type.Null()])),
    transactionText: TransactionText,
  }),
});
export type ActionRequest = Static<typeof ActionRequest>;

export const CancelRequest = Type.Object({
  merchantInfo: Type.Object({ merchantSerialNumber: Msn }),
  transaction: Type.Object({ transactionText: TransactionText }),
  shouldReleaseRemainingFunds: Type.Optional(Type.Boolean()),
});
export type CancelRequest = Static<typeof CancelRequest>;

export const ForceApproveRequest = Type.Union([
  Type.Object({
    customerPhoneNumber: Type.Optional(Type.String({ pattern: '^\\d{8}$' })),
    token: Type.Optional(Type.String({ maxLength: 512 })),
  }),
  Type.Null(),
]);
export type ForceApproveRequest = Static<typeof ForceApproveRequest>;

export const OrderParams = Type.Object({ orderId: OrderId });

const SystemHeader = Type.Optional(Type.String({ maxLength: 30 }));
export const EcomHeaders = Type.Object({
  'x-request-id': Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
  'vipps-system-name': SystemHeader,
  'vipps-system-version': SystemHeader,
  'vipps-system-plugin-name': SystemHeader,
  'vipps-system-plugin-version': SystemHeader,
});

/** What the merchant's shipping-details endpoint must answer (FetchShippingCostResponse). */
export const ShippingDetailsResponse = Type.Object({
  addressId: Type.Integer(),
  orderId: Type.String(),
  shippingDetails: Type.Array(ShippingDetails),
});
