import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { bmp, png } from './images.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const image = (imageId: string, data: Buffer) => ({ imageId, src: data.toString('base64'), type: 'base64' });
const line = (over: Record<string, unknown> = {}) => ({ name: 'Socks', id: 'socks-1', totalAmount: 10000, totalAmountExcludingTax: 8000, totalTaxAmount: 2000, taxRate: 2500, unitInfo: { unitPrice: 5000, quantity: '2', quantityUnit: 'PCS' }, ...over });
const receipt = (lines = [line()], bottom: Record<string, unknown> = {}) => ({ orderLines: lines, bottomLine: { currency: 'NOK', receiptNumber: 'R-1', ...bottom } });

describe('Order Management: images', () => {
  it('takes a PNG at least 167 px high, and never overwrites one', async () => {
    const id = `logo-${randomUUID().slice(0, 8)}`;
    const ok = await emu.call('POST', '/order-management/v1/images', { body: image(id, png(200, 200)) });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toEqual({ imageId: id });
    const again = await emu.call('POST', '/order-management/v1/images', { body: image(id, png(300, 300)) });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ title: 'Conflict', instance: expect.any(String) });
  });

  it('refuses a wrong format, a too-low image, more than 2 MB and text that is not base64', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['bmp', image('bmp-1', bmp(200, 200)), /only PNG and JPEG/],
      ['low', image('low-1', png(400, 166)), /166 px high: at least 167/],
      ['big', image('big-1', png(860, 860, true)), /at most 2097152 \(2 MB\)/],
      ['url', { imageId: 'url-1', src: 'https://example.com/logo.png', type: 'base64' }, /base64/],
    ];
    for (const [what, body, reason] of cases) {
      const res = await emu.call('POST', '/order-management/v1/images', { body });
      expect(res.status, what).toBe(400);
      expect(res.body.invalidParams[0].name, what).toBe('Src');
      expect(res.body.invalidParams[0].reason, what).toMatch(reason);
    }
    const badId = await emu.call('POST', '/order-management/v1/images', { body: image('no spaces', png(200, 200)) });
    expect(badId.status).toBe(400);
  });
});

describe('Order Management: receipts and categories', () => {
  it('stores a receipt once per order (any casing of the payment type) and reads it back with the category', async () => {
    const orderId = `order-${randomUUID().slice(0, 8)}`;
    const imageId = `img-${randomUUID().slice(0, 8)}`;
    expect((await emu.call('POST', '/order-management/v1/images', { body: image(imageId, png(170, 170)) })).status).toBe(200);
    const r = await emu.call('POST', `/order-management/v2/ecom/receipts/${orderId}`, { body: receipt([line(), line({ id: 'ship', name: 'Posten', totalAmount: 4900, totalAmountExcludingTax: 3920, totalTaxAmount: 980, isShipping: true, unitInfo: undefined })], { barcode: { format: 'EAN-13', data: '5901234123457' } }) });
    expect(r.status, r.text).toBe(201);
    expect(typeof r.body).toBe('string');
    expect((await emu.call('POST', `/order-management/v2/ECOM/receipts/${orderId}`, { body: receipt() })).status).toBe(409);
    const c = await emu.call('PUT', `/order-management/v2/eCom/categories/${orderId}`, { body: { category: 'RECEIPT', orderDetailsUrl: 'https://shop.example/orders/1', imageId } });
    expect(c.status, c.text).toBe(200);
    // The last PUT wins.
    expect((await emu.call('PUT', `/order-management/v2/ecom/categories/${orderId}`, { body: { category: 'DELIVERY', orderDetailsUrl: 'https://shop.example/track/1', imageId } })).status).toBe(200);
    const order = await emu.call('GET', `/order-management/v2/ECOM/${orderId}`);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ category: { category: 'DELIVERY', orderDetailsUrl: 'https://shop.example/track/1', imageId }, receipt: { orderLines: [{ id: 'socks-1' }, { id: 'ship', isShipping: true }], bottomLine: { currency: 'NOK' } } });
    expect((await emu.call('GET', `/order-management/v2/ecom/unknown-${orderId}`)).status).toBe(404);
    expect((await emu.call('GET', `/order-management/v2/card/${orderId}`)).status).toBe(400);
  });

  it('refuses receipts whose totals, tax or barcode do not add up, and negative amounts', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['total', receipt([line({ totalAmount: 9999 })]), 'OrderLines[0].TotalAmount'],
      ['tax', receipt([line({ totalAmountExcludingTax: 8000, totalTaxAmount: 1000, totalAmount: 9000 })]), 'OrderLines[0].TotalTaxAmount'],
      ['no rate', receipt([line({ taxRate: undefined })]), 'OrderLines[0].TaxRate'],
      ['both rates', receipt([line({ taxPercentage: 15 })]), 'OrderLines[0].TaxRate'],
      ['negative', receipt([line({ totalAmount: -100 })]), 'OrderLines[0].TotalAmount'],
      ['barcode', receipt([line()], { barcode: { format: 'EAN-13', data: '5901234123458' } }), 'BottomLine.Barcode.Data'],
      ['quantity', receipt([line({ unitInfo: { unitPrice: 1, quantity: '1,5', quantityUnit: 'KG' } })]), 'OrderLines[0].UnitInfo.Quantity'],
      ['no lines', { orderLines: [], bottomLine: { currency: 'NOK' } }, 'OrderLines'],
    ];
    for (const [what, body, field] of cases) {
      const res = await emu.call('POST', `/order-management/v2/ecom/receipts/bad-${randomUUID().slice(0, 8)}`, { body });
      expect(res.status, `${what}: ${res.text}`).toBe(400);
      expect(res.body.invalidParams.map((p: { name: string }) => p.name), what).toContain(field);
    }
    // The deprecated bottom-line sums are not checked (OM-CL: not since Aug 2022); the old taxPercentage still works.
    const old = await emu.call('POST', `/order-management/v2/ecom/receipts/old-${randomUUID().slice(0, 8)}`, { body: receipt([line({ taxRate: undefined, taxPercentage: 25 })], { totalAmount: 1, totalTax: 2 }) });
    expect(old.status, old.text).toBe(201);
  });

  it('v3 categories: add, list by order, get, delete; an unknown image is 404', async () => {
    const orderId = `v3-${randomUUID().slice(0, 8)}`;
    const add = await emu.call('POST', '/order-management/v3/categories', { body: { orderId, paymentType: 'ECOM', type: 'TICKET', url: 'https://shop.example/ticket' } });
    expect(add.status, add.text).toBe(201);
    const id = add.body.categoryId as string;
    expect((await emu.call('GET', `/order-management/v3/categories?orderId=${orderId}`)).body).toEqual({ categories: [{ categoryId: id, orderId, paymentType: 'ECOM', type: 'TICKET', url: 'https://shop.example/ticket' }] });
    expect((await emu.call('GET', `/order-management/v3/categories/${id}`)).body.type).toBe('TICKET');
    expect((await emu.call('DELETE', `/order-management/v3/categories/${id}`)).status).toBe(200);
    expect((await emu.call('GET', `/order-management/v3/categories/${id}`)).status).toBe(404);
    expect((await emu.call('POST', '/order-management/v3/categories', { body: { orderId, paymentType: 'ECOM', type: 'TICKET', url: 'https://shop.example/t', imageId: 'nope' } })).status).toBe(404);
    expect((await emu.call('POST', '/order-management/v3/categories', { body: { orderId, paymentType: 'ECOM', type: 'TICKET', url: 'http://shop.example/t' } })).status).toBe(400);
  });

  it('needs the access token like every API behind the gateway', async () => {
    const res = await emu.call('GET', '/order-management/v2/ecom/x', { headers: { authorization: undefined } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ statusCode: 401 });
  });
});
