/**
 * eCom v2 request and response schemas, written once: Fastify validates requests and serializes
 * responses with them, and they are the OpenAPI document's. Field names and limits follow
 * ../shared/specs/ecom.v2.yaml and the reference §2–§3. Unknown fields are ignored (as in
 * ePayment, decision 32); types are never coerced.
 */
import { Type, type Static } from '@sinclair/typebox';
import { NoContent, NorwegianMobile, Nullable, StringEnum, SystemHeaders } from '../../platform/schemas.js';

export const OrderId = Type.String({ pattern: '^[a-zA-Z0-9-]{1,50}$', description: "The merchant's unique id of the order" });
/** eCom's sales units have 5 or 6 digits (the platform's Msn also allows 4). */
const Msn = Type.String({ pattern: '^\\d{5,6}$' });
const Url = Type.String({ minLength: 1, maxLength: 255 });
const TransactionText = Type.String({ maxLength: 100 });
/** Øre, NOK only, at least 1 NOK; int32 (SW21). */
const Amount = Type.Integer({ minimum: 100, maximum: 2_147_483_647 });

export const ShippingDetails = Type.Object({
  isDefault: StringEnum(['Y', 'N'] as const),
  priority: Type.Optional(Type.Integer()),
  shippingCost: Type.Number({ minimum: 0, description: 'NOK, not øre' }),
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
    paymentType: Type.Optional(StringEnum(['eComm Regular Payment', 'eComm Express Payment'] as const)),
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
    amount: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 2_147_483_647 }))),
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

export const ForceApproveRequest = Nullable(
  Type.Object({
    customerPhoneNumber: Type.Optional(NorwegianMobile),
    token: Type.Optional(Type.String({ maxLength: 512 })),
  }),
);
export type ForceApproveRequest = Static<typeof ForceApproveRequest>;

export const OrderParams = Type.Object({ orderId: OrderId });

export const EcomHeaders = Type.Composite([
  // Optional even where the spec requires it (capture, refund): decision 85.
  Type.Object({ 'x-request-id': Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Idempotency key of the request' })) }),
  SystemHeaders,
]);

/** What the merchant's shipping-details endpoint must answer (FetchShippingCostResponse). */
export const ShippingDetailsResponse = Type.Object({
  addressId: Type.Integer(),
  orderId: Type.String(),
  shippingDetails: Type.Array(ShippingDetails),
});

// ---- responses (src/apis/ecom/views.ts builds them) ----

export const InitiateResponse = Type.Object({
  orderId: Type.String(),
  url: Type.String({ description: 'The landing page (or, with isApp, the app-switch deeplink)' }),
});

/** The sums after an operation; present once the payment has more than its INITIATE entry. */
const TransactionSummaryFields = {
  capturedAmount: Type.Integer(),
  remainingAmountToCapture: Type.Integer(),
  refundedAmount: Type.Integer(),
  remainingAmountToRefund: Type.Integer(),
};
const TransactionSummary = Type.Object(TransactionSummaryFields);
const OperationResult = Type.Object({
  amount: Type.Integer(),
  timeStamp: Type.String(),
  transactionText: Type.String(),
  status: Type.String(),
  transactionId: Type.String(),
});
const PaymentInstrument = Type.Optional(Type.String({ description: 'Once the user has approved' }));

export const CaptureResponse = Type.Object({ orderId: Type.String(), paymentInstrument: PaymentInstrument, transactionInfo: OperationResult, transactionSummary: TransactionSummary });
export const CancelResponse = CaptureResponse;
/** The refund response says `transaction`, not `transactionInfo` (documented). */
export const RefundResponse = Type.Object({ orderId: Type.String(), transaction: OperationResult, transactionSummary: TransactionSummary });

export const Operation = StringEnum(['INITIATE', 'RESERVE', 'SALE', 'CAPTURE', 'REFUND', 'CANCEL', 'VOID'] as const);
export const EcomUserDetails = Type.Object({
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  mobileNumber: Type.String({ description: '8 digits, not an MSISDN' }),
  userId: Type.String(),
});
export const DetailsResponse = Type.Object({
  orderId: Type.String(),
  shippingDetails: Type.Optional(
    Type.Object({
      address: Type.Object({
        addressLine1: Type.String(),
        addressLine2: Type.Optional(Type.String()),
        city: Type.String(),
        country: Type.String(),
        postCode: Type.String(),
      }),
      shippingCost: Type.Number(),
      shippingMethod: Type.String(),
      shippingMethodId: Type.String(),
    }),
  ),
  transactionSummary: Type.Optional(Type.Object({ ...TransactionSummaryFields, bankIdentificationNumber: Type.Optional(Type.Integer()) })),
  transactionLogHistory: Type.Array(
    Type.Object({
      amount: Type.Integer(),
      transactionText: Type.String(),
      transactionId: Type.Optional(Type.String()),
      timeStamp: Type.String(),
      operation: Operation,
      requestId: Type.Optional(Type.String()),
      operationSuccess: Type.Boolean(),
    }),
    { description: 'Newest first' },
  ),
  userDetails: Type.Optional(EcomUserDetails),
  sub: Type.Optional(Type.String()),
});
export const StatusResponse = Type.Object({
  orderId: Type.String(),
  transactionInfo: Type.Object({ amount: Type.Integer(), status: Type.String(), timeStamp: Type.String(), transactionId: Type.String() }),
});
export const ForceApproveResponse = NoContent;

/** eCom's error body: an array of `{errorGroup, errorCode, errorMessage, contextId}` (reference §6). */
export const EcomErrorBody = Type.Object({
  errorGroup: Type.String(),
  errorCode: Type.String({ description: 'A number as text; for InvalidRequest the field at fault' }),
  errorMessage: Type.String(),
  contextId: Type.String(),
});
export const EcomErrors = Type.Array(EcomErrorBody, { description: 'eCom v2 error array' });
