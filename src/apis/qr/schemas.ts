/**
 * QR API v1 request and response schemas (qr.v1.yaml), written once: Fastify validates requests and
 * serializes responses with them. Field names and limits follow the official spec; rules that need
 * more than a schema (the redirect URL's loopback exception, Accept, Size) are in domain.ts.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const headerText = Type.String({ maxLength: 30 });

/** Headers every QR call may carry. Accept and Size are read by the routes (415 for an Accept nobody serves). */
export const QrHeaders = Type.Object({
  accept: Type.Optional(Type.String()),
  size: Type.Optional(Type.String()),
  'vipps-system-name': Type.Optional(headerText),
  'vipps-system-version': Type.Optional(headerText),
  'vipps-system-plugin-name': Type.Optional(headerText),
  'vipps-system-plugin-version': Type.Optional(headerText),
});
export type QrHeaders = Static<typeof QrHeaders>;

/** The merchant's id for a code: 1–128 characters of letters, digits, space and `-_+%æøåÆØÅ`. */
export const MerchantQrId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[-_+%æøåÆØÅ\\w\\s]*$' });

/** `redirectUrl`: its pattern is checked by the domain (it also takes http://localhost), so the error names the field as the real API does. */
const RedirectUrl = Type.String({ minLength: 1, maxLength: 2048 });

export const CreateMerchantRedirectRequest = Type.Object({
  id: MerchantQrId,
  redirectUrl: RedirectUrl,
  ttl: Type.Optional(Nullable(Type.Integer({ minimum: 300, maximum: 2147483647 }))),
});
export type CreateMerchantRedirectRequest = Static<typeof CreateMerchantRedirectRequest>;

export const UpdateMerchantRedirectRequest = Type.Object({ redirectUrl: RedirectUrl });
export type UpdateMerchantRedirectRequest = Static<typeof UpdateMerchantRedirectRequest>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) });

export const MerchantRedirectResponse = Type.Object({
  id: Type.String(),
  /** Link to the image (SVG or PNG), or with `Accept: text/targetUrl` the content to encode yourself. */
  url: Type.String(),
  redirectUrl: Type.String(),
  /** Seconds until the code expires; -1: never. */
  expiresIn: Type.Integer(),
});
export type MerchantRedirectResponse = Static<typeof MerchantRedirectResponse>;

export const MerchantRedirectListResponse = Type.Array(MerchantRedirectResponse);

export const OneTimePaymentRequest = Type.Object({ url: Type.String({ minLength: 1, maxLength: 4096 }) });
export type OneTimePaymentRequest = Static<typeof OneTimePaymentRequest>;

export const OneTimePaymentResponse = Type.Object({ url: Type.String(), expiresIn: Type.Integer() });

// ---- merchant callback QR ----

/** The merchant's id of a callback QR (or a MobilePay beaconId): the spec sets no pattern; one path segment. */
export const MerchantQrIdParams = Type.Object({ merchantQrId: Type.String({ minLength: 1, maxLength: 128 }) });
export const BeaconParams = Type.Object({ beaconId: Type.String({ minLength: 1, maxLength: 128 }) });

export const PutMerchantCallbackRequest = Type.Object({ locationDescription: Type.String({ maxLength: 36 }) });
export type PutMerchantCallbackRequest = Static<typeof PutMerchantCallbackRequest>;

/** Callback QRs choose their image with query parameters, not Accept: SVG unless PNG is asked for. */
export const CallbackImageQuery = Type.Object({
  qrImageFormat: Type.Optional(Type.Union([Type.Literal('PNG'), Type.Literal('SVG')])),
  qrImageSize: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
});
export type CallbackImageQuery = Static<typeof CallbackImageQuery>;

export const MerchantCallbackResponse = Type.Object({
  merchantSerialNumber: Type.String(),
  merchantQrId: Type.String(),
  locationDescription: Type.String(),
  qrImageUrl: Type.String(),
  qrContent: Type.String(),
});
export type MerchantCallbackResponse = Static<typeof MerchantCallbackResponse>;
export const MerchantCallbackListResponse = Type.Array(MerchantCallbackResponse);

// ---- exchange ----

const RequestedData = Type.Array(Type.Literal('MSISDN'));

export const QrExchangeRequest = Type.Object({
  qrCode: Type.String({ minLength: 1, maxLength: 4096 }),
  requestedData: Type.Optional(RequestedData),
});
export type QrExchangeRequest = Static<typeof QrExchangeRequest>;
export const QrExchangeResponse = Type.Object({ msisdn: Type.String(), timestamp: Type.Optional(Type.Integer()), version: Type.String() });

export const CustomerExchangeRequest = Type.Object({
  customer: Type.Object({ customerToken: Type.String({ minLength: 1, maxLength: 200 }) }),
  requestedData: RequestedData,
});
export type CustomerExchangeRequest = Static<typeof CustomerExchangeRequest>;
export const CustomerExchangeResponse = Type.Object({ msisdn: Type.String(), timestamp: Type.Integer() });

/** Image links: `<code>.svg` or `<code>.png`, `?size=` for PNG. */
export const ImageParams = Type.Object({ file: Type.String({ pattern: '^[A-Za-z0-9_-]{8,40}\\.(svg|png)$' }) });
export const ImageQuery = Type.Object({ size: Type.Optional(Type.String({ pattern: '^[0-9]{3,4}$' })) });
export const CodeParams = Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9_-]{8,40}$' }) });
