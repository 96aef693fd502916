import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { merchantAuth, type Credentials } from '../../platform/auth.js';
import { NoContent } from '../../platform/schemas.js';
import { Type } from '@sinclair/typebox';
import { omErrors, sendOmError } from './errors.js';
import {
  AddCategoryRequest,
  AddCategoryResponse,
  CategoriesQuery,
  Category,
  CategoryIdParams,
  CategoryRequest,
  GetCategoriesResponse,
  IdString,
  ImageRequest,
  ImageResponse,
  OrderCategory,
  OrderId,
  OrderParams,
  OrderV2Response,
  Receipt,
} from './schemas.js';
import type { OrderManagementService, Result } from './service.js';

const BASE = '/order-management';

/** Order Management API at its real paths (base {host}/order-management), behind the gateway. */
export const omRoutes = (om: OrderManagementService, credentials: Credentials): FastifyPluginAsyncTypebox => async (app) => {
  merchantAuth(app, credentials, { requireMsn: true });
  const send = <T>(reply: FastifyReply, r: Result<T>, status = 200) => (r.ok ? reply.code(status).send(r.value) : sendOmError(reply, r.problem));
  // The spec's 200/201 bodies that are a bare id: a JSON string.
  const sendId = (reply: FastifyReply, r: Result<string>, status: number) =>
    r.ok ? reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(r.value)) : sendOmError(reply, r.problem);

  app.post(`${BASE}/v1/images`, {
    // A 2 MB image is ~2.7 MB of base64: body and string limits leave room for it, so that a bigger
    // image is refused by its documented rule (2 MB) rather than by a generic limit.
    bodyLimit: 3_700_000,
    config: { jsonStringLimit: 3_600_000 },
    schema: { operationId: 'post-image', summary: 'Upload an image (PNG or JPEG, ≥167 px high, ≤2 MB)', body: ImageRequest, response: { 200: ImageResponse } },
  }, async (request, reply) => send(reply, await om.uploadImage(request.merchant!.msn, request.body)));

  app.put(`${BASE}/v2/:paymentType/categories/:orderId`, {
    schema: { operationId: 'put-category-v2', summary: "Set an order's category (link and image in the app)", params: OrderParams, body: CategoryRequest, response: { 200: IdString } },
  }, async (request, reply) => sendId(reply, await om.putCategory(request.merchant!.msn, request.params.paymentType, request.params.orderId, request.body), 200));

  app.post(`${BASE}/v2/:paymentType/receipts/:orderId`, {
    schema: { operationId: 'post-receipt-v2', summary: 'Send the receipt of an order (once)', params: OrderParams, body: Receipt, response: { 201: IdString } },
  }, async (request, reply) => sendId(reply, await om.addReceipt(request.merchant!.msn, request.params.paymentType, request.params.orderId, request.body), 201));

  app.get(`${BASE}/v2/:paymentType/:orderId`, {
    schema: { operationId: 'get-order-v2', summary: "An order's category and receipt", params: OrderParams, response: { 200: OrderV2Response } },
  }, async (request, reply) => send(reply, await om.order(request.merchant!.msn, request.params.paymentType, request.params.orderId)));

  // v1 (deprecated in the spec, still served): the eCom transaction id, paymentType ECOM.
  const TxParams = Type.Object({ transactionId: OrderId });
  app.put(`${BASE}/v1/orders/:transactionId`, {
    schema: { operationId: 'put-order', summary: "Set an order's category (v1, deprecated)", params: TxParams, body: CategoryRequest, response: { 200: NoContent } },
  }, async (request, reply) => {
    const r = await om.putCategory(request.merchant!.msn, 'ECOM', request.params.transactionId, request.body);
    return r.ok ? (reply as FastifyReply).code(200).send() : sendOmError(reply, r.problem);
  });
  app.get(`${BASE}/v1/orders/:transactionId`, {
    schema: { operationId: 'get-order', summary: "An order's category (v1, deprecated)", params: TxParams, response: { 200: OrderCategory } },
  }, async (request, reply) => {
    const r = await om.order(request.merchant!.msn, 'ECOM', request.params.transactionId);
    return r.ok && r.value.category ? reply.code(200).send(r.value.category) : sendOmError(reply, r.ok ? omErrors.orderNotFound(request.params.transactionId) : r.problem);
  });
  app.post(`${BASE}/v1/receipts/:transactionId`, {
    schema: { operationId: 'post-receipt', summary: 'Send the receipt of an order (v1, deprecated)', params: TxParams, body: Receipt, response: { 200: NoContent } },
  }, async (request, reply) => {
    const r = await om.addReceipt(request.merchant!.msn, 'ECOM', request.params.transactionId, request.body);
    return r.ok ? (reply as FastifyReply).code(200).send() : sendOmError(reply, r.problem);
  });
  app.get(`${BASE}/v1/receipts/:transactionId`, {
    schema: { operationId: 'get-receipt', summary: "An order's receipt (v1, deprecated)", params: TxParams, response: { 200: Receipt } },
  }, async (request, reply) => {
    const r = await om.order(request.merchant!.msn, 'ECOM', request.params.transactionId);
    return r.ok && r.value.receipt ? reply.code(200).send(r.value.receipt) : sendOmError(reply, r.ok ? omErrors.orderNotFound(request.params.transactionId) : r.problem);
  });

  app.post(`${BASE}/v3/categories`, {
    schema: { operationId: 'post-category-v3', summary: 'Add a category to an order', body: AddCategoryRequest, response: { 201: AddCategoryResponse } },
  }, async (request, reply) => send(reply, await om.addCategory(request.merchant!.msn, request.body), 201));

  app.get(`${BASE}/v3/categories`, {
    schema: { operationId: 'get-categories-v3', summary: "An order's categories", querystring: CategoriesQuery, response: { 200: GetCategoriesResponse } },
  }, async (request, reply) => send(reply, await om.categories(request.merchant!.msn, request.query.orderId)));

  app.get(`${BASE}/v3/categories/:categoryId`, {
    schema: { operationId: 'get-category-v3', summary: 'A category', params: CategoryIdParams, response: { 200: Category } },
  }, async (request, reply) => send(reply, await om.category(request.merchant!.msn, request.params.categoryId)));

  app.delete(`${BASE}/v3/categories/:categoryId`, {
    schema: { operationId: 'delete-category-v3', summary: 'Delete a category', params: CategoryIdParams, response: { 200: NoContent } },
  }, async (request, reply) => {
    const r = await om.deleteCategory(request.merchant!.msn, request.params.categoryId);
    return r.ok ? (reply as FastifyReply).code(200).send() : sendOmError(reply, r.problem);
  });
};
