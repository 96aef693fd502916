import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { merchantAuth, type Credentials } from '../../platform/auth.js';
import { acceptHtmlForms } from '../../platform/page-hooks.js';
import { NoContent } from '../../platform/schemas.js';
import type { TestUsers } from '../../platform/test-users.js';
import { errorPage } from '../../web/error-page.js';
import { qrImage } from '../../web/qr.js';
import { imageRequest, parseSize, type ImageRequest, type Result } from './domain.js';
import { QrErrorThrown, qrErrors, sendExchangeProblem, sendQrProblem } from './errors.js';
import { checkInPage, type CheckInView } from './pages.js';
import {
  BeaconParams,
  CallbackImageQuery,
  CodeParams,
  CreateMerchantRedirectRequest,
  CustomerExchangeRequest,
  CustomerExchangeResponse,
  IdParams,
  ImageParams,
  ImageQuery,
  MerchantCallbackListResponse,
  MerchantCallbackResponse,
  MerchantQrIdParams,
  MerchantRedirectListResponse,
  MerchantRedirectResponse,
  OneTimePaymentRequest,
  OneTimePaymentResponse,
  PutMerchantCallbackRequest,
  QrExchangeRequest,
  QrExchangeResponse,
  QrExchangeErrorResponse,
  QrHeaders,
  QrImageHeaders,
  UpdateMerchantRedirectRequest,
} from './schemas.js';
import type { QrService } from './service.js';

const ImageKindParams = Type.Composite([Type.Object({ kind: Type.Union([Type.Literal('merchant-redirect'), Type.Literal('one-time'), Type.Literal('merchant-callback')]) }), ImageParams]);

/** The Accept and Size headers, or the QR API's 400/415. */
function imageOf(headers: QrImageHeaders): ImageRequest {
  const r = imageRequest(headers.accept, headers.size);
  if (!r.ok) throw new QrErrorThrown(r.problem);
  return r.value;
}

/** Callback QRs: `qrImageFormat` (SVG unless PNG) and `qrImageSize` query parameters. */
function callbackImageOf(query: CallbackImageQuery): ImageRequest {
  if (query.qrImageFormat !== 'PNG') return { format: 'svg' };
  if (query.qrImageSize === undefined) return { format: 'png' };
  const size = parseSize(query.qrImageSize);
  if (!size.ok) throw new QrErrorThrown(qrErrors.invalidField('qrImageSize', size.problem.invalidParams![0]!.reason));
  return { format: 'png', ...(size.value === undefined ? {} : { size: size.value }) };
}

/** The exchange endpoints' errors, for the document (they are sent already serialized, by sendExchangeProblem). */
const exchangeErrorResponses = { '4XX': QrExchangeErrorResponse, '5XX': QrExchangeErrorResponse };

const send = <T>(reply: FastifyReply, r: Result<T>) => (r.ok ? reply.code(200).send(r.value) : sendQrProblem(reply, r.problem));
const sendEmpty = (reply: FastifyReply, r: Result<undefined>) => (r.ok ? reply.code(200).send() : sendQrProblem(reply, r.problem));

/** Responses sent as they are (images, HTML, a redirect): their schemas only document status and media type. */
const html = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } });
const Image = Type.Unsafe<string | Buffer>({ type: 'string' });
const ImageResponses = { 200: { description: 'The QR image (as the link names it: .svg or .png)', content: { 'image/svg+xml': { schema: Image }, 'image/png': { schema: Image } } } };
// Their 404s (and the form's 400) are pages; a malformed code is the API's JSON 400 (the module's 4XX).
const RedirectResponses = { 302: Type.Null({ description: "On to the code's redirectUrl of the moment (Location)" }), 404: html('The code is not in use: a page') };
const CheckInResponses = { 200: html('The check-in page'), 404: html('Not a check-in code (any more): a page') };
const CheckInFormResponses = { ...CheckInResponses, 400: html('No test user chosen: the page again, saying so') };

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const page = (reply: FastifyReply, status: number, body: { value: string }) =>
  reply.code(status).type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('cache-control', 'no-store').send(body.value);

export interface QrRouteDeps {
  credentials: Credentials;
  users: TestUsers;
  merchantName: (msn: string) => string;
}

/**
 * QR API v1 at the real paths (base `/qr`), authenticated like apitest.vipps.no; plus what the
 * real QR service serves without credentials: the image links and the scan links in the codes.
 */
export const qrRoutes = (qr: QrService, deps: QrRouteDeps): FastifyPluginAsyncTypebox => async (app) => {
  // ---- public: image links (as the API returns them) and the content of merchant redirect codes ----

  app.get('/qr/images/:kind/:file', { schema: { summary: 'An image link the API returned (public)', params: ImageKindParams, querystring: ImageQuery, response: ImageResponses } }, async (request, reply) => {
    const [code, ext] = request.params.file.split('.') as [string, 'svg' | 'png'];
    const content = await qr.content(request.params.kind, code);
    if (content === undefined) return sendQrProblem(reply, qrErrors.imageNotFound());
    let size: number | undefined;
    if (request.query.size !== undefined) {
      const parsed = parseSize(request.query.size);
      if (!parsed.ok) return sendQrProblem(reply, qrErrors.invalidField('size', parsed.problem.invalidParams![0]!.reason));
      size = parsed.value;
    }
    const image = await qrImage(content, ext === 'png' ? { format: 'IMAGE/PNG', size: size ?? null } : { format: 'IMAGE/SVG+XML' });
    return reply.code(200).type(image.contentType).header('cache-control', 'no-store').send(image.body);
  });

  // Scanning a merchant redirect code with any QR reader lands here: on to the merchant's URL of the moment.
  app.get('/qr/r/:code', { schema: { summary: 'What a merchant redirect code encodes: the scan, on to its redirectUrl (public)', params: CodeParams, response: RedirectResponses } }, async (request, reply) => {
    const target = await qr.redirectTarget(request.params.code);
    if (target === undefined) {
      return page(reply, 404, errorPage('QR code not in use', 'This QR code does not lead anywhere any more: the merchant deleted it, or its time ran out.'));
    }
    return reply.header('cache-control', 'no-store').redirect(new URL(target).href, 302);
  });

  // A merchant callback code opened in a browser: a page that stands in for the Vipps app (check in as a test user).
  await app.register(async (scope) => {
    const pages = scope.withTypeProvider<TypeBoxTypeProvider>();
    acceptHtmlForms(scope, 4096);
    const view = async (code: string): Promise<Omit<CheckInView, 'error' | 'done'> | undefined> => {
      const callback = await qr.callbackByCode(code);
      if (!callback) return undefined;
      const users = (await deps.users.list()).map((u) => ({ phoneNumber: u.phoneNumber, name: `${u.givenName} ${u.familyName}` }));
      return { merchantName: deps.merchantName(callback.msn), locationDescription: callback.locationDescription, users };
    };
    const gone = (reply: FastifyReply) => page(reply, 404, errorPage('QR code not in use', 'This check-in QR code does not exist any more: the merchant deleted it.'));

    pages.get('/qr/c/:code', { schema: { summary: 'A merchant callback code opened in a browser: check in as a test user (page)', params: CodeParams, response: CheckInResponses } }, async (request, reply) => {
      const v = await view(request.params.code);
      return v ? page(reply, 200, checkInPage(v)) : gone(reply);
    });

    pages.post('/qr/c/:code', { schema: { summary: 'Check in as the chosen test user (form of the check-in page)', params: CodeParams, response: CheckInFormResponses } }, async (request, reply) => {
      const typed = (request.body as Record<string, unknown> | null)?.phoneNumber;
      const r = await qr.checkIn(request.params.code, typeof typed === 'string' ? typed : '');
      const v = await view(request.params.code);
      if (!v) return gone(reply);
      if (!r.ok) return page(reply, 400, checkInPage({ ...v, error: 'Choose a test user.' }));
      return page(reply, 200, checkInPage({ ...v, done: { phoneNumber: r.value.phoneNumber, customerToken: r.value.customerToken } }));
    });
  });

  // ---- the API ----

  await app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    merchantAuth(scope, deps.credentials, { requireMsn: false });

    api.post('/qr/v1', {
      schema: { operationId: 'generateOtpQr', summary: 'A one-time payment QR of a landing page URL', headers: QrImageHeaders, body: OneTimePaymentRequest, response: { 200: OneTimePaymentResponse } },
    }, async (request, reply) => send(reply, await qr.createOneTime(request.merchant!.msn, request.body.url, imageOf(request.headers))));

    api.post('/qr/v1/merchant-redirect', {
      schema: { operationId: 'CreateMerchantRedirectQr', summary: 'Create a merchant redirect QR', headers: QrImageHeaders, body: CreateMerchantRedirectRequest, response: { 200: MerchantRedirectResponse } },
    }, async (request, reply) => send(reply, await qr.createRedirect(request.merchant!.msn, request.body, imageOf(request.headers))));

    api.get('/qr/v1/merchant-redirect', {
      schema: { operationId: 'GetAllMerchantRedirectQrs', summary: "The sales unit's merchant redirect QRs", headers: QrImageHeaders, response: { 200: MerchantRedirectListResponse } },
    }, async (request) => qr.listRedirects(request.merchant!.msn, imageOf(request.headers)));

    api.get('/qr/v1/merchant-redirect/:id', {
      schema: { operationId: 'GetMerchantRedirectQrById', summary: 'Get a merchant redirect QR', headers: QrImageHeaders, params: IdParams, response: { 200: MerchantRedirectResponse } },
    }, async (request, reply) => send(reply, await qr.getRedirect(request.merchant!.msn, request.params.id, imageOf(request.headers))));

    api.put('/qr/v1/merchant-redirect/:id', {
      schema: { operationId: 'UpdateMerchantRedirectUrl', summary: "Change a merchant redirect QR's target", headers: QrImageHeaders, params: IdParams, body: UpdateMerchantRedirectRequest, response: { 200: MerchantRedirectResponse } },
    }, async (request, reply) => send(reply, await qr.updateRedirect(request.merchant!.msn, request.params.id, request.body.redirectUrl, imageOf(request.headers))));

    api.delete('/qr/v1/merchant-redirect/:id', {
      schema: { operationId: 'DeleteMerchantRedirectQr', summary: 'Delete a merchant redirect QR', headers: QrHeaders, params: IdParams, response: { 200: NoContent } },
    }, async (request, reply) => {
      const r = await qr.deleteRedirect(request.merchant!.msn, request.params.id);
      // 200 with no body at all (not `null`).
      return r.ok ? (reply as FastifyReply).code(200).send() : sendQrProblem(reply, r.problem);
    });

    // The QR a user shows in the app → the user's phone number.
    api.post('/qr/v1/exchange', {
      schema: { operationId: 'exchangeQr', summary: "A user's QR → the user's phone number", headers: QrHeaders, body: QrExchangeRequest, response: { 200: QrExchangeResponse, ...exchangeErrorResponses } },
    }, async (request, reply) => {
      const r = await qr.exchangeQr(request.body.qrCode);
      return r.ok ? reply.code(200).send(r.value) : sendExchangeProblem(reply, r.problem);
    });

    // A check-in's customerToken (from the user.checked-in.v1 webhook) → the user's phone number.
    api.post('/qr/v1/exchange/customer', {
      schema: { operationId: 'exchangeCustomer', summary: "A check-in's customerToken → the user's phone number", headers: QrHeaders, body: CustomerExchangeRequest, response: { 200: CustomerExchangeResponse, ...exchangeErrorResponses } },
    }, async (request, reply) => {
      const r = await qr.exchangeCustomer(request.merchant!.msn, request.body.customer.customerToken);
      return r.ok ? reply.code(200).send(r.value) : sendExchangeProblem(reply, r.problem);
    });
  });

  // Callback QRs: the Merchant-Serial-Number header is required (QR-SPEC).
  await app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    merchantAuth(scope, deps.credentials, { requireMsn: true });

    api.get('/qr/v1/merchant-callback', {
      schema: { operationId: 'GetMerchantCallbackQrs', summary: "The sales unit's merchant callback QRs", headers: QrHeaders, querystring: CallbackImageQuery, response: { 200: MerchantCallbackListResponse } },
    }, async (request) => qr.listCallbacks(request.merchant!.msn, callbackImageOf(request.query)));

    api.get('/qr/v1/merchant-callback/:merchantQrId', {
      schema: { operationId: 'GetMerchantCallbackById', summary: 'Get a merchant callback QR', headers: QrHeaders, params: MerchantQrIdParams, querystring: CallbackImageQuery, response: { 200: MerchantCallbackResponse } },
    }, async (request, reply) => send(reply, await qr.getCallback(request.merchant!.msn, request.params.merchantQrId, callbackImageOf(request.query))));

    api.put('/qr/v1/merchant-callback/:merchantQrId', {
      schema: { operationId: 'PutMerchantCallbackQr', summary: 'Create or update a merchant callback QR', headers: QrHeaders, params: MerchantQrIdParams, body: PutMerchantCallbackRequest, response: { 200: NoContent } },
    }, async (request, reply) => {
      await qr.putCallback(request.merchant!.msn, request.params.merchantQrId, request.body.locationDescription);
      return (reply as FastifyReply).code(200).send();
    });

    api.delete('/qr/v1/merchant-callback/:merchantQrId', {
      schema: { operationId: 'DeleteMerchantCallbackQr', summary: 'Delete a merchant callback QR', headers: QrHeaders, params: MerchantQrIdParams, response: { 200: NoContent } },
    }, async (request, reply) => sendEmpty(reply, await qr.deleteCallback(request.merchant!.msn, request.params.merchantQrId)));

    api.put('/qr/v1/merchant-callback/mobilepay/:beaconId', {
      schema: { operationId: 'PutMerchantCallbackMobilePayQr', summary: 'Map a MobilePay beacon to a merchant callback QR', headers: QrHeaders, params: BeaconParams, body: PutMerchantCallbackRequest, response: { 200: NoContent } },
    }, async (request, reply) => sendEmpty(reply, await qr.mapBeacon(request.merchant!.msn, request.params.beaconId, request.body.locationDescription)));

  });
};
