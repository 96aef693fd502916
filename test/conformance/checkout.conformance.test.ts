/**
 * Checkout API v3 conformance: both operations of the official spec (../shared/specs/checkout.v3.yaml)
 * are called over HTTP through a session's whole life, and EVERY response is checked against it:
 * status declared, Content-Type, and body — successes in closed mode (no undeclared field), errors
 * as `CheckoutProblemDetails`. The spec's paths are relative to its base `{host}/checkout/v3`.
 * The gateway's 401 (no subscription key) keeps its own body (decision 29) and is not checked here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { checkoutHeaders, newReference, pageForm, sessionBody, startShop } from '../apis/checkout/helpers.js';
import { formatErrors, mediaType, OpenApiSpec } from './openapi.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPEC_FILE = path.resolve(repoRoot, '../shared/specs/checkout.v3.yaml');
const missing = !existsSync(SPEC_FILE);
if (missing) console.log(`[conformance] Checkout conformance skipped: ${SPEC_FILE} not found`);

const BASE = '/checkout/v3';

describe.skipIf(missing)('Checkout API v3 conforms to the official OpenAPI spec', () => {
  let spec: OpenApiSpec;
  let emu: TestEmulator;
  let shop: Awaited<ReturnType<typeof startShop>>;
  const seen: string[] = [];

  beforeAll(async () => {
    spec = OpenApiSpec.load(SPEC_FILE);
    emu = await startTestEmulator();
    shop = await startShop();
  });
  afterAll(async () => {
    await shop?.close();
    await emu?.close();
  });

  async function call(method: string, urlPath: string, o: { body?: unknown; headers?: Record<string, string | undefined> } = {}) {
    const res = await emu.call(method, urlPath, { anonymous: true, headers: { ...checkoutHeaders(emu), 'vipps-system-name': 'devkit-conformance', ...o.headers }, ...(o.body === undefined ? {} : { body: o.body }) });
    const contentType = mediaType(res.headers.get('content-type'));
    const op = spec.findOperation(method, urlPath.slice(BASE.length));
    if (!op) throw new Error(`${method} ${urlPath} is not an operation of the spec`);
    const what = `${op.operationId} ${res.status}`;
    const response = spec.response(op.operationId, res.status, { fallback: 'CheckoutProblemDetails' });
    seen.push(`${op.operationId} ${res.status}${response.declared ? '' : '!'}`);
    if (res.status >= 400) {
      expect.soft(contentType, `${what}: Content-Type`).toMatch(/^application\/(problem\+)?json$/);
      expect.soft(formatErrors(spec.validateSchema('CheckoutProblemDetails', res.body)), `${what}: CheckoutProblemDetails`).toEqual([]);
      expect.soft(response.declared, `${what}: status declared`).toBe(true);
    } else {
      expect.soft(response.mediaTypes, `${what}: declared media type`).toContain(contentType);
      expect.soft(formatErrors(response.validate(res.body, { closed: true })), `${what}: body conforms (closed)`).toEqual([]);
    }
    return res;
  }

  it('the validator is not vacuous', () => {
    const get = spec.response('get /session/{reference}', 200);
    const ok = { sessionId: 'x', reference: 'abcdefgh', sessionState: 'SessionCreated' };
    expect(formatErrors(get.validate(ok, { closed: true }))).toEqual([]);
    expect(get.validate({ ...ok, sessionState: 'Created' })).not.toEqual([]);
    expect(get.validate({ ...ok, extra: 1 }, { closed: true })).not.toEqual([]);
    expect(spec.validateSchema('CheckoutProblemDetails', { title: 'x' })).not.toEqual([]);
  });

  it('create, get in every state, and the documented errors', async () => {
    const reference = newReference();
    const body = sessionBody(reference, shop, {
      prefillCustomer: { firstName: 'Ola', lastName: 'Nordmann', email: 'ola@example.com', phoneNumber: '+4797777776', streetAddress: 'Gata 1', city: 'Oslo', postalCode: '0150', country: 'NO' },
      configuration: { customerInteraction: 'CUSTOMER_NOT_PRESENT', elements: 'Full', countries: { supported: ['NO', 'SE', 'DK'] }, requireUserInfo: true, showOrderSummary: true, customConsent: { text: 'Join our [club](https://shop.example/club)', required: false } },
      transaction: {
        amount: { value: 20000, currency: 'NOK' }, reference, paymentDescription: 'Socks',
        orderSummary: { orderLines: [{ name: 'Socks', id: 's1', totalAmount: 20000, totalAmountExcludingTax: 16000, totalTaxAmount: 4000, taxPercentage: 25, unitInfo: { unitPrice: 10000, quantity: '2', quantityUnit: 'PCS' } }], orderBottomLine: { currency: 'NOK' } },
      },
    });
    expect(formatErrors(spec.request('post /session').validate(body)), 'our request is spec-valid').toEqual([]);
    const created = await call('POST', `${BASE}/session`, { body });
    expect(created.status).toBe(200);
    expect((await call('GET', `${BASE}/session/${reference}`)).body.sessionState).toBe('SessionCreated');
    expect((await call('POST', `${BASE}/session`, { body })).status).toBe(409);
    expect((await call('POST', `${BASE}/session`, { body: { ...body, transaction: { ...body.transaction, reference: 'x' } } })).status).toBe(400);
    expect((await call('POST', `${BASE}/session`, { body, headers: { client_secret: 'wrong' } })).status).toBe(401);
    expect((await call('POST', `${BASE}/session`, { body, headers: { 'merchant-serial-number': '123' } })).status).toBe(403);
    expect((await call('GET', `${BASE}/session/${newReference()}`)).status).toBe(404);

    // Through the page to an authorized payment: payment, user, shipping and billing data appear.
    const token = created.body.token as string;
    expect((await pageForm(emu, '/vippscheckout/v1/details', { token, firstName: 'Ola', lastName: 'Nordmann', email: 'ola@example.com', phoneNumber: '97777776', streetAddress: 'Gata 1', postalCode: '0150', city: 'Oslo', country: 'NO' })).status).toBe(303);
    expect((await pageForm(emu, '/vippscheckout/v1/pay', { token, method: 'vipps', consent: 'yes' })).status).toBe(303);
    const initiated = await call('GET', `${BASE}/session/${reference}`);
    expect(initiated.body).toMatchObject({ sessionState: 'PaymentInitiated', paymentDetails: { state: 'CREATED' } });
    expect((await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { body: { phoneNumber: '4797777776' } })).status).toBe(200);
    const paid = await call('GET', `${BASE}/session/${reference}`);
    expect(paid.body).toMatchObject({ sessionState: 'PaymentSuccessful', paymentDetails: { state: 'AUTHORIZED' }, userInfo: { sub: expect.any(String) }, customConsentProvided: true });
    expect(seen.filter((s) => s.endsWith('!'))).toEqual([]);
  });
});
