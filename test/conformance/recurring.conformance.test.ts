/**
 * Recurring API v3 conformance: every v3 operation of the official spec (../shared/specs/recurring.yaml)
 * is called over HTTP, and EVERY response is checked against it: status declared, Content-Type, and
 * body — successes in "closed" mode (no field the spec does not declare), errors as ErrorV3 (closed).
 * The v2 paths of the spec are not served (the issue asks for v3; they are 404 in Recurring's shape).
 *
 * Corrections of the spec (each checked to still match, see openapi.ts):
 * - `ChargeResponseV3.transactionId` has the pattern `^\d{10+}$`, which is no regular expression of
 *   ten or more digits (`{10+}` is not a quantifier): it becomes `^\d{10,}$`, what the text means.
 * - `ChargeResponseV3.externalId` is required and a string, but a charge created without one has
 *   none: the API answers null (as it does for `externalAgreementId`), so it may be null.
 * - `transactionId`, `failureDescription` and `externalAgreementId` are strings, but null until
 *   there is one (the spec's own text for transactionId; the reference's example for the others).
 * - The campaign requests and responses are a `oneOf` whose price and legacy branches both match a price
 *   campaign once the discriminator is gone: one of them (`anyOf`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatErrors, mediaType, OpenApiSpec } from './openapi.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SPEC_FILE = path.resolve(repoRoot, '../shared/specs/recurring.yaml');
const missing = !existsSync(SPEC_FILE);
if (missing) console.log(`[conformance] Recurring conformance skipped: ${SPEC_FILE} not found (the official specs are expected in ../shared/specs beside the repository)`);

const V3_OPERATIONS = [
  'CancelChargeV3', 'CaptureChargeV3', 'CreateChargeV3', 'DraftAgreementV3', 'FetchAgreementV3', 'FetchChargeByIdV3', 'FetchChargeV3',
  'ListAgreementsV3', 'ListChargesV3', 'RefundChargeV3', 'UpdateAgreementPatchV3', 'acceptUsingPATCHV3',
];

const CAMPAIGNS = ['price', 'period', 'event', 'fullFlex', 'legacy'].map((c) => ({ $ref: `#/components/schemas/${c}CampaignResponseV3` }));
const REQUEST_CAMPAIGNS = ['price', 'period', 'event', 'fullFlex'].map((c) => ({ $ref: `#/components/schemas/${c}CampaignV3` }));

describe.skipIf(missing)('Recurring API v3 conforms to the official OpenAPI spec', () => {
  let spec: OpenApiSpec;
  let emulator: import('../../src/server/emulator.js').Emulator;
  let base = '';
  let auth: Record<string, string> = {};
  const seen = new Map<string, Set<string>>();
  let n = 0;

  beforeAll(async () => {
    spec = OpenApiSpec.load(SPEC_FILE, {
      knownSpecErrors: [
        { pointer: '/components/schemas/ChargeResponseV3/properties/transactionId/pattern', expected: '^\\d{10+}$', replacement: '^\\d{10,}$', reason: '`{10+}` is no quantifier; the text means ten or more digits' },
        { pointer: '/components/schemas/ChargeResponseV3/properties/externalId/type', expected: 'string', replacement: ['string', 'null'], reason: 'a charge created without externalId has none: null, as externalAgreementId' },
        ...(['transactionId', 'failureDescription', 'externalAgreementId'] as const).map((name) => ({
          pointer: `/components/schemas/ChargeResponseV3/properties/${name}/type`, expected: 'string', replacement: ['string', 'null'],
          reason: 'null until there is one: transactionId "contains null until the status has reached CHARGED", failureDescription with failureReason (reference A4.2), externalAgreementId when the agreement has no externalId',
        })),
        { pointer: '/components/schemas/campaignV3/oneOf', expected: REQUEST_CAMPAIGNS, replacement: [{ anyOf: REQUEST_CAMPAIGNS }], reason: 'a full flex campaign (type, price, end, interval) also matches the price campaign branch once the discriminator is dropped' },
        { pointer: '/components/schemas/campaignResponseV3/oneOf', expected: CAMPAIGNS, replacement: [{ anyOf: CAMPAIGNS }], reason: 'price and legacy campaign branches overlap once the discriminator is dropped: one of them, not exactly one' },
      ],
    });
    const { startEmulator } = await import('../../src/server/emulator.js');
    emulator = await startEmulator({ database: { kind: 'sqlite', file: ':memory:' }, host: '127.0.0.1', port: 0, logLevel: 'warn', rateLimits: false });
    base = emulator.url;
    const merchant = emulator.ctx.merchants.all()[0]!;
    const res = await fetch(`${base}/accesstoken/get`, { method: 'POST', headers: { client_id: merchant.clientId, client_secret: merchant.clientSecret, 'Ocp-Apim-Subscription-Key': merchant.subscriptionKey } });
    const token = (await res.json()) as { access_token: string };
    auth = { Authorization: `Bearer ${token.access_token}`, 'Ocp-Apim-Subscription-Key': merchant.subscriptionKey, 'Merchant-Serial-Number': merchant.msn, 'Vipps-System-Name': 'devkit-conformance' };
  });
  afterAll(async () => {
    await emulator?.close();
  });

  async function call(method: string, urlPath: string, o: { body?: unknown; headers?: Record<string, string>; idempotent?: boolean } = {}) {
    const headers: Record<string, string> = { ...auth, ...(o.idempotent === false ? {} : method === 'GET' ? {} : { 'Idempotency-Key': `conf-${(n += 1)}` }), ...o.headers };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${base}${urlPath}`, { method, headers, ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }) });
    const text = await res.text();
    const contentType = mediaType(res.headers.get('content-type'));
    const op = spec.findOperation(method, urlPath.split('?')[0]!);
    if (!op) throw new Error(`${method} ${urlPath} is not an operation of the spec`);
    const what = `${op.operationId} ${res.status} (${method} ${urlPath})`;
    const response = spec.response(op.operationId, res.status, { fallback: 'ErrorV3' });
    const statuses = seen.get(op.operationId) ?? new Set<string>();
    statuses.add(`${res.status}${response.declared ? '' : '!'}`);
    seen.set(op.operationId, statuses);
    const body: any = text === '' ? undefined : JSON.parse(text);
    if (res.status >= 400) {
      expect.soft(contentType, `${what}: Content-Type of an error`).toBe('application/json');
      expect.soft(formatErrors(spec.validateSchema('ErrorV3', body, { closed: true })), `${what}: body is an ErrorV3 (closed)`).toEqual([]);
    } else if (res.status === 204) {
      // force accept declares an (empty) object body for its 204; a 204 has no body at all.
      expect.soft(text, `${what}: 204 has no body`).toBe('');
    } else {
      expect.soft(response.mediaTypes, `${what}: declared media type`).toContain(contentType);
      expect.soft(formatErrors(response.validate(body, { closed: true })), `${what}: body conforms (closed)`).toEqual([]);
    }
    return { status: res.status, body, text, headers: res.headers };
  }
  const requestValid = (operationId: string, body: unknown) => expect(formatErrors(spec.request(operationId).validate(body)), `our own ${operationId} request is spec-valid`).toEqual([]);
  const dateIn = (days: number) => new Date(emulator.ctx.clock.now().getTime() + days * 86_400_000).toISOString().slice(0, 10);
  const future = (days: number) => new Date(emulator.ctx.clock.now().getTime() + days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const draftBody = (extra: Record<string, unknown> = {}) => ({
    pricing: { type: 'LEGACY', amount: 2500, currency: 'NOK' },
    interval: { unit: 'MONTH', count: 1 },
    merchantRedirectUrl: 'https://example.com/redirect',
    merchantAgreementUrl: 'https://example.com/agreement',
    phoneNumber: '4791234567',
    productName: 'MyNews Digital',
    ...extra,
  });

  it('the spec has the v3 operations this test drives', () => {
    const v3 = spec.operations.filter((o) => o.path.startsWith('/recurring/v3/')).map((o) => o.operationId).sort();
    expect(v3).toEqual([...V3_OPERATIONS].sort());
  });

  it('the validator is not vacuous', () => {
    const get = spec.response('FetchChargeV3', 200);
    const ok = { id: 'chr-1', agreementId: 'agr_1', externalId: null, externalAgreementId: null, amount: 100, currency: 'NOK', description: 'x', due: '2030-01-01T00:00:00Z', retryDays: 1, status: 'DUE', type: 'RECURRING', transactionType: 'DIRECT_CAPTURE', transactionId: null, failureReason: null, failureDescription: null, summary: { captured: 0, refunded: 0, cancelled: 0 }, history: [] };
    expect(formatErrors(get.validate(ok, { closed: true }))).toEqual([]);
    expect(get.validate({ ...ok, status: 'NOPE' })).not.toEqual([]);
    expect(get.validate({ ...ok, transactionId: '12' })).not.toEqual([]);
    expect(get.validate({ ...ok, extra: 1 }, { closed: true })).not.toEqual([]);
  });

  it('agreements: every draft example shape, fetch, list, update, force accept, and their errors', async () => {
    const drafts = [
      draftBody(),
      draftBody({ initialCharge: { amount: 100, description: 'Initial Charge', transactionType: 'DIRECT_CAPTURE' } }),
      draftBody({ campaign: { type: 'PRICE_CAMPAIGN', price: 100, end: future(30) } }),
      draftBody({ campaign: { type: 'PERIOD_CAMPAIGN', price: 100, period: { unit: 'WEEK', count: 4 } }, initialCharge: { amount: 100, description: 'Activation', transactionType: 'DIRECT_CAPTURE' } }),
      draftBody({ campaign: { type: 'EVENT_CAMPAIGN', price: 100, eventDate: future(60), eventText: 'until Christmas' } }),
      draftBody({ campaign: { type: 'FULL_FLEX_CAMPAIGN', price: 100, end: future(30), interval: { unit: 'WEEK', count: 2 } } }),
      draftBody({ pricing: { type: 'VARIABLE', suggestedMaxAmount: 3000, currency: 'NOK' } }),
      draftBody({ scope: 'address name email birthDate phoneNumber', externalId: 'ext-1', productDescription: 'All of it' }),
    ];
    const ids: string[] = [];
    for (const body of drafts) {
      requestValid('DraftAgreementV3', body);
      const r = await call('POST', '/recurring/v3/agreements', { body });
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.agreementId);
    }
    for (const id of ids) expect((await call('GET', `/recurring/v3/agreements/${id}`)).status).toBe(200);
    for (const id of ids) expect((await call('PATCH', `/recurring/v3/agreements/${id}/accept`, { body: { phoneNumber: '4791234567' } })).status).toBe(204);
    for (const id of ids) expect((await call('GET', `/recurring/v3/agreements/${id}`)).body.status).toBe('ACTIVE');
    expect((await call('GET', '/recurring/v3/agreements')).body).toHaveLength(ids.length);
    expect((await call('GET', '/recurring/v3/agreements?status=PENDING')).status).toBe(200);
    const paged = await call('GET', '/recurring/v3/agreements?pageSize=3');
    expect(paged.headers.get('continuation-token')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('GET', '/recurring/v3/agreements', { headers: { 'Continuation-Token': paged.headers.get('continuation-token')! } })).body).toHaveLength(3);

    requestValid('UpdateAgreementPatchV3', { pricing: { amount: 25000 } });
    expect((await call('PATCH', `/recurring/v3/agreements/${ids[0]}`, { body: { pricing: { amount: 25000 }, productName: 'Pluss' } })).status).toBe(204);
    expect((await call('PATCH', `/recurring/v3/agreements/${ids[0]}`, { body: { status: 'STOPPED' } })).status).toBe(204);
    expect((await call('PATCH', `/recurring/v3/agreements/${ids[0]}`, { body: { productName: 'x' } })).status).toBe(400);
    expect((await call('PATCH', `/recurring/v3/agreements/${ids[0]}/accept`, { body: { phoneNumber: '4791234567' } })).status).toBe(409);
    expect((await call('GET', '/recurring/v3/agreements/agr_nosuch1')).status).toBe(404);
    expect((await call('POST', '/recurring/v3/agreements', { body: { ...draftBody(), pricing: { currency: 'NOK' } } })).status).toBe(400);
    expect((await call('POST', '/recurring/v3/agreements', { body: draftBody(), idempotent: false })).status).toBe(400);
    expect((await call('GET', '/recurring/v3/agreements?status=NOPE')).status).toBe(400);
  });

  it('charges: create, fetch three ways, capture, refund, cancel, and their errors', async () => {
    const d = await call('POST', '/recurring/v3/agreements', { body: draftBody({ pricing: { type: 'LEGACY', amount: 10_000, currency: 'NOK' }, initialCharge: { amount: 5000, description: 'First', transactionType: 'RESERVE_CAPTURE', orderId: 'init-1' } }) });
    const a = d.body.agreementId as string;
    await call('PATCH', `/recurring/v3/agreements/${a}/accept`, { body: { phoneNumber: '4791234567' } });
    const charge = { amount: 10_000, transactionType: 'RESERVE_CAPTURE', description: 'Monthly', due: dateIn(1), retryDays: 2, orderId: 'monthly-1', externalId: 'ext-chg' };
    requestValid('CreateChargeV3', charge);
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges`, { body: charge })).body).toEqual({ chargeId: 'monthly-1' });
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges`, { body: { ...charge, orderId: undefined, transactionType: 'DIRECT_CAPTURE', due: dateIn(10) } })).status).toBe(201);
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges`, { body: { ...charge, orderId: 'too-soon', due: dateIn(0) } })).status).toBe(400);
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges`, { body: { ...charge, orderId: 'too-high', amount: 50_001 } })).status).toBe(400);
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges`, { body: charge })).status).toBe(409);
    expect((await call('POST', '/recurring/v3/agreements/agr_nosuch1/charges', { body: charge })).status).toBe(404);

    const moved = await fetch(`${base}/devkit/v1/clock/advance`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ duration: '2d' }) });
    expect(moved.status).toBe(200);
    const fresh = await fetch(`${base}/accesstoken/get`, { method: 'POST', headers: { client_id: emulator.ctx.merchants.all()[0]!.clientId, client_secret: emulator.ctx.merchants.all()[0]!.clientSecret, 'Ocp-Apim-Subscription-Key': auth['Ocp-Apim-Subscription-Key']! } });
    auth.Authorization = `Bearer ${((await fresh.json()) as { access_token: string }).access_token}`;

    expect((await call('GET', `/recurring/v3/agreements/${a}/charges/monthly-1`)).body.status).toBe('RESERVED');
    expect((await call('GET', `/recurring/v3/agreements/${a}/charges`)).body).toHaveLength(3);
    expect((await call('GET', `/recurring/v3/agreements/${a}/charges?status=RESERVED`)).body).toHaveLength(2);
    expect((await call('GET', '/recurring/v3/charges/init-1')).body.type).toBe('INITIAL');
    expect((await call('GET', '/recurring/v3/charges/nope')).status).toBe(404);
    expect((await call('GET', `/recurring/v3/agreements/${a}/charges/nope`)).status).toBe(404);

    requestValid('CaptureChargeV3', { amount: 4000, description: 'part' });
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges/monthly-1/capture`, { body: { amount: 4000, description: 'part' } })).status).toBe(204);
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges/monthly-1/capture`, { body: { amount: 7000, description: 'too much' } })).status).toBe(400);
    expect((await call('DELETE', `/recurring/v3/agreements/${a}/charges/monthly-1`)).status).toBe(204);
    requestValid('RefundChargeV3', { amount: 1000, description: 'back' });
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges/monthly-1/refund`, { body: { amount: 1000, description: 'back' } })).status).toBe(204);
    expect((await call('POST', `/recurring/v3/agreements/${a}/charges/init-1/refund`, { body: { amount: 1000, description: 'not captured' } })).status).toBe(409);
    expect((await call('DELETE', `/recurring/v3/agreements/${a}/charges/init-1`)).status).toBe(204);
    expect((await call('DELETE', `/recurring/v3/agreements/${a}/charges/init-1`)).status).toBe(409);
    const done = await call('GET', `/recurring/v3/agreements/${a}/charges/monthly-1`);
    expect(done.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', summary: { captured: 4000, refunded: 1000, cancelled: 6000 } });
  });

  it('every v3 operation was called, and every status met is declared', () => {
    expect([...seen.keys()].sort()).toEqual([...V3_OPERATIONS].sort());
    const undeclared = [...seen].flatMap(([op, s]) => [...s].filter((x) => x.endsWith('!')).map((x) => `${op} ${x}`));
    expect(undeclared).toEqual([]);
  });
});
