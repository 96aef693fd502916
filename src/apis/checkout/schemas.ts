/**
 * Checkout API v3 schemas (checkout.v3.yaml), written once: request validation, response
 * serialization and the served OpenAPI document. Rules a schema cannot say (which brand takes which
 * delivery type, amounts on options, a total above zero, orderSummary with showOrderSummary) are in
 * domain.ts, so that they are refused with the field named as the real API names it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../platform/schemas.js';

const Opt = Type.Optional;

/** Amounts: minor units. The currency is checked by the domain (NOK only). */
export const Amount = Type.Object({ value: Type.Integer({ minimum: 0, maximum: 2147483647 }), currency: Type.String({ minLength: 1, maxLength: 10 }) });
export type Amount = Static<typeof Amount>;

const systemHeader = Type.String({ maxLength: 30 });
/** The raw keys (no access token) and the `Vipps-System-*` headers. Credentials are checked by the auth hook. */
export const CheckoutHeaders = Type.Object({
  client_id: Opt(Type.String({ description: "The sales unit's client id" })),
  client_secret: Opt(Type.String({ description: "The sales unit's client secret" })),
  'ocp-apim-subscription-key': Opt(Type.String({ description: "The sales unit's subscription key" })),
  'merchant-serial-number': Opt(Type.String({ description: 'MSN of the sales unit' })),
  'vipps-system-name': Opt(systemHeader),
  'vipps-system-version': Opt(systemHeader),
  'vipps-system-plugin-name': Opt(systemHeader),
  'vipps-system-plugin-version': Opt(systemHeader),
});

export const Brand = StringEnum(['POSTEN', 'POSTNORD', 'PORTERBUDDY', 'HELTHJEM', 'POSTI', 'OTHER'] as const);
export const DeliveryType = StringEnum(['MAILBOX', 'PICKUP_POINT', 'HOME_DELIVERY'] as const);

/** One fixed (or dynamic) shipping option. One schema for every brand: the domain checks brand × type, amount and title. */
export const LogisticsOption = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  priority: Type.Integer({ minimum: 0, maximum: 2147483647 }),
  isDefault: Type.Boolean(),
  brand: Brand,
  amount: Opt(Nullable(Amount)),
  type: Opt(Nullable(DeliveryType)),
  customType: Opt(Nullable(Type.String({ maxLength: 200 }))),
  title: Opt(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  description: Opt(Nullable(Type.String({ maxLength: 500 }))),
});
export type LogisticsOption = Static<typeof LogisticsOption>;

const OriginAddress = Type.Object({ streetAddress: Type.String(), postalCode: Type.String(), city: Type.String(), country: Type.String() });
export const Logistics = Type.Object({
  dynamicOptionsCallback: Opt(Nullable(Type.String({ maxLength: 2048 }))),
  fixedOptions: Opt(Nullable(Type.Array(LogisticsOption, { maxItems: 50 }))),
  integrations: Opt(Nullable(Type.Object({
    porterbuddy: Opt(Nullable(Type.Object({
      publicToken: Type.String(),
      apiKey: Type.String({ minLength: 1 }),
      origin: Type.Object({ name: Type.String(), email: Type.String(), phoneNumber: Type.String(), address: OriginAddress }),
    }))),
    helthjem: Opt(Nullable(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }), shopId: Type.Integer() }))),
  }))),
});

export const QuantityUnit = StringEnum(['PCS', 'KG', 'KM', 'MINUTE', 'LITRE', 'KWH'] as const);
export const OrderLine = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 2048 }),
  id: Type.String({ minLength: 1, maxLength: 255 }),
  totalAmount: Type.Integer({ minimum: 0 }),
  totalAmountExcludingTax: Type.Integer({ minimum: 0 }),
  totalTaxAmount: Type.Integer({ minimum: 0 }),
  // Required by the 2023 spec; the SDK's newer types send taxRate (hundredths of a percent) instead.
  taxPercentage: Opt(Type.Integer({ minimum: 0, maximum: 100 })),
  taxRate: Opt(Type.Integer({ minimum: 0, maximum: 10000 })),
  unitInfo: Opt(Nullable(Type.Object({ unitPrice: Type.Integer({ minimum: 0 }), quantity: Type.String({ maxLength: 10, pattern: '^\\d+([\\.]\\d{1,8})?$' }), quantityUnit: QuantityUnit }))),
  discount: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  productUrl: Opt(Nullable(Type.String({ maxLength: 2048 }))),
  isReturn: Opt(Nullable(Type.Boolean())),
  isShipping: Opt(Nullable(Type.Boolean())),
});
export type OrderLine = Static<typeof OrderLine>;
const PaymentSources = Type.Object({ giftCard: Opt(Nullable(Type.Integer())), card: Opt(Nullable(Type.Integer())), voucher: Opt(Nullable(Type.Integer())), cash: Opt(Nullable(Type.Integer())) });
export const OrderSummary = Type.Object({
  orderLines: Type.Array(OrderLine, { minItems: 1, maxItems: 1000 }),
  orderBottomLine: Type.Object({
    currency: Type.String({ minLength: 3, maxLength: 3 }),
    tipAmount: Opt(Nullable(Type.Integer())),
    giftCardAmount: Opt(Nullable(Type.Integer())),
    terminalId: Opt(Nullable(Type.String())),
    paymentSources: Opt(Nullable(PaymentSources)),
    receiptNumber: Opt(Nullable(Type.String())),
  }),
});
export type OrderSummary = Static<typeof OrderSummary>;

export const Elements = StringEnum(['Full', 'PaymentAndContactInfo', 'PaymentOnly'] as const);
export const CustomerInteraction = StringEnum(['CUSTOMER_PRESENT', 'CUSTOMER_NOT_PRESENT'] as const);
export const UserFlow = StringEnum(['WEB_REDIRECT', 'NATIVE_REDIRECT'] as const);

export const Configuration = Type.Object({
  customerInteraction: Opt(Nullable(CustomerInteraction)),
  elements: Opt(Nullable(Elements)),
  countries: Opt(Nullable(Type.Object({ supported: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { maxItems: 250 }) }))),
  userFlow: Opt(Nullable(UserFlow)),
  requireUserInfo: Opt(Nullable(Type.Boolean())),
  customConsent: Opt(Nullable(Type.Object({ text: Type.String({ minLength: 1, maxLength: 1000 }), required: Type.Boolean() }))),
  showOrderSummary: Opt(Nullable(Type.Boolean())),
});
export type Configuration = Static<typeof Configuration>;

const prefillField = Opt(Nullable(Type.String({ maxLength: 200 })));
export const PrefillCustomer = Type.Object({
  firstName: prefillField,
  lastName: prefillField,
  email: prefillField,
  phoneNumber: prefillField,
  streetAddress: prefillField,
  city: prefillField,
  postalCode: prefillField,
  country: prefillField,
});
export type PrefillCustomer = Static<typeof PrefillCustomer>;

export const InitiateSessionRequest = Type.Object({
  merchantInfo: Type.Object({
    callbackUrl: Type.String({ maxLength: 2048 }),
    returnUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    callbackAuthorizationToken: Type.String({ maxLength: 1024 }),
    termsAndConditionsUrl: Opt(Nullable(Type.String({ maxLength: 2048 }))),
  }),
  transaction: Type.Object({
    amount: Amount,
    reference: Type.String({ minLength: 8, maxLength: 50, pattern: '^[-a-zA-Z0-9]*$' }),
    paymentDescription: Type.String({ minLength: 3, maxLength: 100 }),
    orderSummary: Opt(Nullable(OrderSummary)),
  }),
  logistics: Opt(Nullable(Logistics)),
  prefillCustomer: Opt(Nullable(PrefillCustomer)),
  configuration: Opt(Nullable(Configuration)),
});
export type InitiateSessionRequest = Static<typeof InitiateSessionRequest>;

export const InitiateSessionResponse = Type.Object({
  token: Type.String({ description: 'JWT of {sessionId, sessionPollingURL}: give it to the checkout page' }),
  checkoutFrontendUrl: Type.String(),
  pollingUrl: Type.String(),
});

export const SessionState = StringEnum(['SessionCreated', 'PaymentInitiated', 'SessionExpired', 'PaymentSuccessful', 'PaymentTerminated'] as const);
export type SessionState = Static<typeof SessionState>;
const NAmount = Nullable(Amount);
export const PickupPoint = Type.Object({
  id: Type.String(),
  name: Type.String(),
  address: Type.String(),
  postalCode: Type.String(),
  city: Type.String(),
  country: Type.String(),
  openingHours: Opt(Nullable(Type.Array(Type.String()))),
});
const NString = Opt(Nullable(Type.String()));
export const ShippingDetails = Type.Object({
  firstName: NString,
  lastName: NString,
  email: NString,
  phoneNumber: NString,
  streetAddress: NString,
  postalCode: NString,
  city: NString,
  country: NString,
  shippingMethodId: NString,
  amount: Opt(NAmount),
  pickupPoint: Opt(Nullable(PickupPoint)),
});
export const BillingDetails = Type.Object({
  firstName: Type.String(),
  lastName: Type.String(),
  email: Type.String(),
  phoneNumber: Type.String(),
  streetAddress: NString,
  postalCode: NString,
  city: NString,
  country: NString,
});
export const SessionResponse = Type.Object({
  sessionId: Type.String(),
  merchantSerialNumber: Opt(Nullable(Type.String())),
  reference: Type.String(),
  sessionState: SessionState,
  paymentMethod: Opt(Nullable(StringEnum(['Wallet', 'Card'] as const))),
  paymentDetails: Opt(Nullable(Type.Object({
    amount: Amount,
    state: StringEnum(['CREATED', 'AUTHORIZED', 'TERMINATED'] as const),
    aggregate: Opt(Nullable(Type.Object({
      cancelledAmount: Opt(NAmount),
      capturedAmount: Opt(NAmount),
      refundedAmount: Opt(NAmount),
      authorizedAmount: Opt(NAmount),
    }))),
  }))),
  userInfo: Opt(Nullable(Type.Object({ sub: Type.String(), email: NString }))),
  shippingDetails: Opt(Nullable(ShippingDetails)),
  billingDetails: Opt(Nullable(BillingDetails)),
  customConsentProvided: Opt(Nullable(Type.Boolean())),
});
export type SessionResponse = Static<typeof SessionResponse>;

export const ReferenceParams = Type.Object({ reference: Type.String({ minLength: 1, maxLength: 256 }) });

/** checkout.v3.yaml CheckoutProblemDetails: RFC 7807 plus `errorCode` and field errors. */
export const CheckoutProblem = Type.Object({
  type: Opt(Nullable(Type.String())),
  title: Opt(Nullable(Type.String())),
  status: Opt(Nullable(Type.Integer())),
  detail: Opt(Nullable(Type.String())),
  instance: Opt(Nullable(Type.String())),
  errorCode: Type.String(),
  errors: Type.Record(Type.String(), Type.Array(Type.String())),
}, { description: 'Checkout problem (CheckoutProblemDetails)' });
export type CheckoutProblem = Static<typeof CheckoutProblem>;

/** The body of the merchant's dynamic shipping callback (MerchantLogisticsCallbackRequestBody). */
export interface DynamicOptionsRequest {
  streetAddress: string;
  postalCode: string;
  region: string;
  country: string;
}
