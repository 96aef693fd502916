/**
 * Order Management conformance: every operation of the official spec
 * (../shared/specs/order-management.v2.yaml) is called over HTTP, and EVERY response is checked
 * against it: status declared, Content-Type, and body — successes in closed mode, errors as
 * `ErrorResponse` (closed). The spec's paths are relative to its base `{host}/order-management`.
 * The gateway's 401 keeps its own body (decision 29).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { png } from '../apis/ordermanagement/images.js';
import { formatErrors, mediaType, OpenApiSpec } from './openapi.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPEC_FILE = path.resolve(repoRoot, '../shared/specs/order-management.v2.yaml');
const missing = !existsSync(SPEC_FILE);
if (missing) console.log(`[conformance] Order Management conformance skipped: ${SPEC_FILE} not found`);

const BASE = '/order-management';

describe.skipIf(missing)('Order Management conforms to the official OpenAPI spec', () => {
  let spec: OpenApiSpec;
  let emu: TestEmulator;
  const seen = new Map<string, Set<number>>();

  beforeAll(async () => {
    spec = OpenApiSpec.load(SPEC_FILE);
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  async function call(method: string, urlPath: string, body?: unknown) {
    const res = await emu.call(method, urlPath, body === undefined ? {} : { body });
    const contentType = mediaType(res.headers.get('content-type'));
    const op = spec.findOperation(method, urlPath.split('?')[0]!.slice(BASE.length));
    if (!op) throw new Error(`${method} ${urlPath} is not an operation of the spec`);
    const what = `${op.operationId} ${res.status}`;
    const statuses = seen.get(op.operationId) ?? new Set<number>();
    statuses.add(res.status);
    seen.set(op.operationId, statuses);
    const response = spec.response(op.operationId, res.status, { fallback: 'ErrorResponse' });
    if (res.status >= 400) {
      expect.soft(contentType, `${what}: Content-Type`).toBe('application/json');
      expect.soft(formatErrors(spec.validateSchema('ErrorResponse', res.body, { closed: true })), `${what}: ErrorResponse`).toEqual([]);
    } else if (response.schemaRef === undefined && response.mediaTypes.length === 0) {
      expect.soft(res.text, `${what}: the spec declares no body`).toBe('');
    } else {
      expect.soft(response.mediaTypes, `${what}: media type`).toContain(contentType);
      expect.soft(formatErrors(response.validate(res.body, { closed: true })), `${what}: body conforms (closed)`).toEqual([]);
    }
    expect.soft(response.declared, `${what}: status declared`).toBe(true);
    return res;
  }

  it('the validator is not vacuous', () => {
    expect(spec.validateSchema('ErrorResponse', { title: 't' })).not.toEqual([]);
    expect(spec.validateSchema('Receipt', { orderLines: [], bottomLine: { currency: 'NOK' } })).not.toEqual([]);
  });

  it('every operation, with successes and errors', async () => {
    const orderId = `om-${randomUUID().slice(0, 8)}`;
    const imageId = `img-${randomUUID().slice(0, 8)}`;
    const image = { imageId, src: png(180, 180).toString('base64'), type: 'base64' };
    expect((await call('POST', `${BASE}/v1/images`, image)).status).toBe(200);
    const receipt = {
      orderLines: [{ name: 'Socks', id: 's1', totalAmount: 10000, totalAmountExcludingTax: 8000, totalTaxAmount: 2000, taxRate: 2500, unitInfo: { unitPrice: 5000, quantity: '2', quantityUnit: 'PCS' }, discount: 0, productUrl: 'https://shop.example/socks', isReturn: false, isShipping: false }],
      bottomLine: { currency: 'NOK', tipAmount: 0, posId: 'pos-1', paymentSources: { card: 10000 }, barcode: { format: 'CODE 128', data: 'R-1' }, receiptNumber: 'R-1' },
    };
    expect(formatErrors(spec.request('post-receipt-v2').validate(receipt)), 'our request is spec-valid').toEqual([]);
    expect((await call('POST', `${BASE}/v2/ECOM/receipts/${orderId}`, receipt)).status).toBe(201);
    expect((await call('POST', `${BASE}/v2/ECOM/receipts/${orderId}`, receipt)).status).toBe(409);
    expect((await call('POST', `${BASE}/v2/ECOM/receipts/bad-${orderId}`, { ...receipt, orderLines: [{ ...receipt.orderLines[0], totalAmount: 1 }] })).status).toBe(400);
    expect((await call('PUT', `${BASE}/v2/ECOM/categories/${orderId}`, { category: 'RECEIPT', orderDetailsUrl: 'https://shop.example/o/1', imageId })).status).toBe(200);
    expect((await call('PUT', `${BASE}/v2/ECOM/categories/${orderId}`, { category: 'RECEIPT', orderDetailsUrl: 'https://shop.example/o/1', imageId: 'none' })).status).toBe(404);
    expect((await call('GET', `${BASE}/v2/ECOM/${orderId}`)).body.receipt.bottomLine.receiptNumber).toBe('R-1');
    expect((await call('GET', `${BASE}/v2/ECOM/none-${orderId}`)).status).toBe(404);

    const v1 = `v1-${orderId}`;
    expect((await call('PUT', `${BASE}/v1/orders/${v1}`, { category: 'GENERAL', orderDetailsUrl: 'https://shop.example/o/2' })).status).toBe(200);
    expect((await call('GET', `${BASE}/v1/orders/${v1}`)).body.category).toBe('GENERAL');
    expect((await call('GET', `${BASE}/v1/orders/none-${v1}`)).status).toBe(404);
    expect((await call('POST', `${BASE}/v1/receipts/${v1}`, receipt)).status).toBe(200);
    expect((await call('GET', `${BASE}/v1/receipts/${v1}`)).body.orderLines).toHaveLength(1);

    const added = await call('POST', `${BASE}/v3/categories`, { orderId, paymentType: 'ECOM', type: 'TICKET', url: 'https://shop.example/t', imageId });
    expect(added.status).toBe(201);
    expect((await call('POST', `${BASE}/v3/categories`, { orderId, paymentType: 'ECOM', type: 'NOPE', url: 'https://shop.example/t' })).status).toBe(400);
    expect((await call('GET', `${BASE}/v3/categories?orderId=${orderId}`)).body.categories.length).toBe(2);
    expect((await call('GET', `${BASE}/v3/categories/${added.body.categoryId}`)).status).toBe(200);
    expect((await call('DELETE', `${BASE}/v3/categories/${added.body.categoryId}`)).status).toBe(200);
    expect((await call('DELETE', `${BASE}/v3/categories/${added.body.categoryId}`)).status).toBe(404);
    expect((await call('GET', `${BASE}/v3/categories/${added.body.categoryId}`)).status).toBe(404);
    expect([...seen.keys()].sort()).toEqual(spec.operations.map((o) => o.operationId).sort());
  });
});
