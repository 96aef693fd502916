import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { authenticateHook, type Credentials } from '../../platform/auth.js';
import { errorPage } from '../../web/error-page.js';
import { qrImage } from '../../web/qr.js';
import { imageRequest, parseSize, type ImageRequest, type Result } from './domain.js';
import { QrErrorThrown, qrErrors, sendQrProblem } from './errors.js';
import {
  CodeParams,
  CreateMerchantRedirectRequest,
  IdParams,
  ImageParams,
  ImageQuery,
  MerchantRedirectListResponse,
  MerchantRedirectResponse,
  OneTimePaymentRequest,
  OneTimePaymentResponse,
  QrHeaders,
  UpdateMerchantRedirectRequest,
} from './schemas.js';
import type { QrService } from './service.js';

const ImageKindParams = Type.Composite([Type.Object({ kind: Type.Union([Type.Literal('merchant-redirect'), Type.Literal('one-time')]) }), ImageParams]);

/** The Accept and Size headers, or the QR API's 400/415. */
function imageOf(headers: QrHeaders): ImageRequest {
  const r = imageRequest(headers.accept, headers.size);
  if (!r.ok) throw new QrErrorThrown(r.problem);
  return r.value;
}

const send = <T>(reply: FastifyReply, r: Result<T>) => (r.ok ? reply.code(200).send(r.value) : sendQrProblem(reply, r.problem));

/**
 * QR API v1 at the real paths (base `/qr`), authenticated like apitest.vipps.no; plus what the
 * real QR service serves without credentials: the image links and the scan links in the codes.
 */
export const qrRoutes = (qr: QrService, credentials: Credentials): FastifyPluginAsyncTypebox => async (app) => {
  // ---- public: image links (as the API returns them) and the content of merchant redirect codes ----

  app.get('/qr/images/:kind/:file', { schema: { params: ImageKindParams, querystring: ImageQuery } }, async (request, reply) => {
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
  app.get('/qr/r/:code', { schema: { params: CodeParams } }, async (request, reply) => {
    const target = await qr.redirectTarget(request.params.code);
    if (target === undefined) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
        .send(errorPage('QR code not in use', 'This QR code does not lead anywhere any more: the merchant deleted it, or its time ran out.').value);
    }
    return reply.header('cache-control', 'no-store').redirect(new URL(target).href, 302);
  });

  // ---- the API ----

  await app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    api.addHook('onRequest', authenticateHook(credentials, { requireMsn: false }));

    api.post('/qr/v1', {
      schema: { headers: QrHeaders, body: OneTimePaymentRequest, response: { 200: OneTimePaymentResponse } },
    }, async (request, reply) => send(reply, await qr.createOneTime(request.merchant!.msn, request.body.url, imageOf(request.headers))));

    api.post('/qr/v1/merchant-redirect', {
      schema: { headers: QrHeaders, body: CreateMerchantRedirectRequest, response: { 200: MerchantRedirectResponse } },
    }, async (request, reply) => send(reply, await qr.createRedirect(request.merchant!.msn, request.body, imageOf(request.headers))));

    api.get('/qr/v1/merchant-redirect', {
      schema: { headers: QrHeaders, response: { 200: MerchantRedirectListResponse } },
    }, async (request) => qr.listRedirects(request.merchant!.msn, imageOf(request.headers)));

    api.get('/qr/v1/merchant-redirect/:id', {
      schema: { headers: QrHeaders, params: IdParams, response: { 200: MerchantRedirectResponse } },
    }, async (request, reply) => send(reply, await qr.getRedirect(request.merchant!.msn, request.params.id, imageOf(request.headers))));

    api.put('/qr/v1/merchant-redirect/:id', {
      schema: { headers: QrHeaders, params: IdParams, body: UpdateMerchantRedirectRequest, response: { 200: MerchantRedirectResponse } },
    }, async (request, reply) => send(reply, await qr.updateRedirect(request.merchant!.msn, request.params.id, request.body.redirectUrl, imageOf(request.headers))));

    api.delete('/qr/v1/merchant-redirect/:id', {
      schema: { headers: QrHeaders, params: IdParams },
    }, async (request, reply) => {
      const r = await qr.deleteRedirect(request.merchant!.msn, request.params.id);
      return r.ok ? reply.code(200).send() : sendQrProblem(reply, r.problem);
    });
  });
};
