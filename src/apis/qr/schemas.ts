/**
 * QR API v1 request and response schemas (qr.v1.yaml), written once: Fastify validates requests and
 * serializes responses with them. Field names and limits follow the official spec; rules that need
 * more than a schema (the redirect URL's loopback exception, Accept, Size) are in domain.ts.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ExtraDetail, SystemHeaders } from '../../platform/schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Headers of the calls that return no image (callback QRs, exchange, delete): the `Vipps-System-*` ones. */
export const QrHeaders = SystemHeaders;

/**
 * Headers of the calls that answer with an image link: `Accept` is required (qr.v1.yaml); its value
 * and `Size` are read by the domain (415 for an Accept nobody serves, 400 for a bad Size). A missing
 * Accept is the domain's 400 too: errors.ts maps the schema's refusal to it.
 */
export const QrImageHeaders = Type.Composite([
  SystemHeaders,
  Type.Object({
    accept: Type.String({ description: 'Image format: image/*, image/png, image/svg+xml, or text/targetUrl for the content itself (q-values honoured)' }),
    size: Type.Optional(Type.String({ description: 'PNG width and height in pixels, 100–2000' })),
  }),
]);
export type QrImageHeaders = Static<typeof QrImageHeaders>;

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

// ---- error bodies ----

/** qr.v1.yaml `QrErrorResponse`: most endpoints' errors (errors.ts). A 409 also names the taken `id`. */
export const QrErrorResponse = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    detail: Type.String(),
    instance: Type.String(),
    invalidParams: Type.Optional(Type.Array(ExtraDetail)),
    id: Type.Optional(Type.String()),
  },
  { description: 'QR API problem (QrErrorResponse); 401: the gateway body; the exchange endpoints: QrExchangeErrorResponse' },
);
export type QrErrorResponse = Static<typeof QrErrorResponse>;

/** qr.v1.yaml `QrExchangeErrorResponse` / `CustomerExchangeErrorResponse`: the two exchange endpoints' errors. */
export const QrExchangeErrorResponse = Type.Object(
  { title: Type.String(), status: Type.Integer(), detail: Type.String(), extraDetails: Type.Optional(Type.Array(ExtraDetail)) },
  { description: 'QR exchange error (QrExchangeErrorResponse)' },
);
export type QrExchangeErrorResponse = Static<typeof QrExchangeErrorResponse>;
