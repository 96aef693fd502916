/**
 * Order Management API schemas (order-management.v2.yaml), written once. Rules beyond a schema
 * (line totals and tax, barcodes, image format and size) are in domain.ts.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../platform/schemas.js';

const Opt = Type.Optional;
const ID_PATTERN = '^[0-9A-Za-z-_\\.]+$';

export const OrderId = Type.String({ minLength: 1, maxLength: 256, pattern: ID_PATTERN });
export const ImageId = Type.String({ minLength: 1, maxLength: 128, pattern: ID_PATTERN });
export const CategoryType = StringEnum(['GENERAL', 'RECEIPT', 'ORDER_CONFIRMATION', 'DELIVERY', 'TICKET', 'BOOKING'] as const);
export type CategoryType = Static<typeof CategoryType>;
export const Currency = StringEnum(['NOK', 'DKK', 'EUR'] as const);
export const QuantityUnit = StringEnum(['PCS', 'KG', 'KM', 'MINUTE', 'LITRE', 'KWH'] as const);
export const BarcodeFormat = StringEnum(['EAN-13', 'CODE 39', 'CODE 128'] as const);

/** `{paymentType}` in any case (OM-G writes ecom, Postman eCom, the spec ECOM): checked by the domain. */
export const OrderParams = Type.Object({ paymentType: Type.String({ minLength: 1, maxLength: 20 }), orderId: OrderId });
export const CategoryIdParams = Type.Object({ categoryId: Type.String({ minLength: 1, maxLength: 64 }) });
/** Without an order id: every category of the sales unit (the spec leaves the query optional). */
export const CategoriesQuery = Type.Object({ orderId: Opt(OrderId) });

export const ImageRequest = Type.Object({
  imageId: ImageId,
  // 2 MB of image is about 2.7 MB of base64; a little more is read so that "too big" is named as such.
  src: Type.String({ minLength: 1, maxLength: 3_600_000 }),
  type: StringEnum(['base64'] as const),
});
export type ImageRequest = Static<typeof ImageRequest>;
export const ImageResponse = Type.Object({ imageId: Type.String() });

export const CategoryRequest = Type.Object({
  category: CategoryType,
  orderDetailsUrl: Type.String({ minLength: 1, maxLength: 2048 }),
  imageId: Opt(Nullable(ImageId)),
});
export type CategoryRequest = Static<typeof CategoryRequest>;

export const AddCategoryRequest = Type.Object({
  orderId: OrderId,
  paymentType: Type.String({ minLength: 1, maxLength: 20 }),
  type: CategoryType,
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  imageId: Opt(ImageId),
});
export type AddCategoryRequest = Static<typeof AddCategoryRequest>;

const Minor = Type.Integer({ minimum: 0, maximum: 9_007_199_254_740_991 });
export const OrderLine = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 2048 }),
  id: Type.String({ minLength: 1, maxLength: 255 }),
  totalAmount: Minor,
  totalAmountExcludingTax: Minor,
  totalTaxAmount: Minor,
  taxPercentage: Opt(Nullable(Type.Integer({ minimum: 0, maximum: 100 }))),
  taxRate: Opt(Nullable(Type.Integer({ minimum: 0, maximum: 10000 }))),
  unitInfo: Opt(Nullable(Type.Object({
    unitPrice: Nullable(Minor),
    quantity: Type.String({ maxLength: 10, pattern: '^\\d+([\\.]\\d{1,8})?$' }),
    quantityUnit: Opt(Nullable(QuantityUnit)),
  }))),
  discount: Opt(Nullable(Minor)),
  productUrl: Opt(Nullable(Type.String({ maxLength: 2048 }))),
  isReturn: Opt(Nullable(Type.Boolean())),
  isShipping: Opt(Nullable(Type.Boolean())),
});
export type OrderLine = Static<typeof OrderLine>;

const NMinor = Opt(Nullable(Minor));
export const BottomLine = Type.Object({
  currency: Currency,
  tipAmount: NMinor,
  giftCardAmount: NMinor,
  posId: Opt(Nullable(Type.String({ maxLength: 256 }))),
  // Deprecated sums: accepted and kept, never checked (not validated since Aug 2022, OM-CL).
  totalAmount: Opt(Nullable(Type.Integer())),
  totalTax: NMinor,
  totalDiscount: NMinor,
  shippingAmount: NMinor,
  shippingInfo: Opt(Nullable(Type.Object({ amount: Nullable(Minor), amountExcludingTax: Nullable(Minor), taxAmount: Nullable(Minor), taxPercentage: Nullable(Type.Integer({ minimum: 0, maximum: 100 })) }))),
  paymentSources: Opt(Nullable(Type.Object({ giftCard: Opt(Nullable(Type.Integer())), card: Opt(Nullable(Type.Integer())), voucher: Opt(Nullable(Type.Integer())), cash: Opt(Nullable(Type.Integer())) }))),
  barcode: Opt(Nullable(Type.Object({ format: BarcodeFormat, data: Type.String({ minLength: 1, maxLength: 128 }) }))),
  receiptNumber: Opt(Nullable(Type.String({ maxLength: 256 }))),
  terminalId: Opt(Nullable(Type.String({ maxLength: 256 }))),
});

export const Receipt = Type.Object({
  orderLines: Type.Array(OrderLine, { minItems: 1, maxItems: 1000 }),
  bottomLine: BottomLine,
});
export type Receipt = Static<typeof Receipt>;

/** The spec's 200/201 bodies: a bare JSON string (an id). */
export const IdString = Type.String({ description: 'An id, as a JSON string' });

export const OrderCategory = Type.Object({ category: CategoryType, orderDetailsUrl: Type.String(), imageId: Opt(Nullable(Type.String())) });
export const OrderV2Response = Type.Object({ category: Opt(OrderCategory), receipt: Opt(Receipt) });

export const Category = Type.Object({
  categoryId: Type.String(),
  orderId: Type.String(),
  paymentType: StringEnum(['ECOM', 'RECURRING'] as const),
  type: CategoryType,
  url: Type.String(),
  imageId: Opt(Type.String()),
});
export type Category = Static<typeof Category>;
export const AddCategoryResponse = Type.Object({ categoryId: Type.String() });
export const GetCategoriesResponse = Type.Object({ categories: Type.Array(Category) });

/** ErrorResponse: `{type, title, detail, instance, invalidParams?}`. */
export const OmError = Type.Object({
  type: Type.String(),
  title: Type.String(),
  detail: Type.String(),
  instance: Type.String(),
  invalidParams: Opt(Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }))),
}, { description: 'Order Management problem (ErrorResponse)' });
export type OmError = Static<typeof OmError>;
