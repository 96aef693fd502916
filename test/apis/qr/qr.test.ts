/**
 * QR API v1 over a real port: merchant redirect codes (create, list, get, update, delete, ttl), the
 * one-time payment QR, merchant callback codes (check-in, user.checked-in.v1 webhook, customer
 * exchange, MobilePay beacons), images that decode (jsQR) to what they should, the QR API's error
 * shapes, another sales unit's codes, reset (whole and per merchant), faults and the status page.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Merchant } from '../../../src/platform/merchants.js';
import { startTestEmulator, type ApiResponse, type TestEmulator } from '../../helpers/emulator.js';
import { pgUnreachable, testPgUrl } from '../../helpers/postgres.js';
import { decodePng, decodeSvg } from '../../helpers/qr-decode.js';
import { startReceiver } from '../../helpers/receiver.js';

let emu: TestEmulator;
/** A second sales unit, with its own keys. */
let other: { merchant: Merchant; token: string };

beforeAll(async () => {
  emu = await startTestEmulator();
  const created = await emu.call('POST', '/devkit/v1/merchants', { body: { name: 'Other shop' }, anonymous: true });
  expect(created.status, created.text).toBe(201);
  other = { merchant: created.body, token: await emu.fetchToken(created.body) };
});
afterEach(async () => {
  await emu.call('POST', '/devkit/v1/reset', { anonymous: true });
});
afterAll(async () => {
  await emu?.close();
});

interface QrCall {
  body?: unknown;
  rawBody?: string;
  /** Default image/svg+xml; null: leave the header to the client (fetch sends *\/*). */
  accept?: string | null;
  size?: string;
  /** Call as the other sales unit. */
  asOther?: boolean;
}

function qr<T = any>(method: string, path: string, o: QrCall = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string | undefined> = { accept: o.accept === undefined ? 'image/svg+xml' : (o.accept ?? undefined), size: o.size };
  if (o.asOther) {
    Object.assign(headers, { authorization: `Bearer ${other.token}`, 'ocp-apim-subscription-key': other.merchant.subscriptionKey, 'merchant-serial-number': other.merchant.msn });
  }
  return emu.call<T>(method, path, { headers, ...(o.body === undefined ? {} : { body: o.body }), ...(o.rawBody === undefined ? {} : { rawBody: o.rawBody }) });
}

const create = (id: string, redirectUrl = `https://shop.example/${encodeURIComponent(id)}`, o: QrCall & { ttl?: number | null } = {}) =>
  qr('POST', '/qr/v1/merchant-redirect', { ...o, body: { id, redirectUrl, ...(o.ttl === undefined ? {} : { ttl: o.ttl }) } });
const path = (id: string) => `/qr/v1/merchant-redirect/${encodeURIComponent(id)}`;
const advance = (seconds: number) => emu.call('POST', '/devkit/v1/clock/advance', { body: { seconds }, anonymous: true });

/** An image link, fetched like a browser or printer would: no credentials. */
async function image(url: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}
const scan = (url: string) => fetch(url, { redirect: 'manual' });

/** The QR API's error body (qr.v1.yaml QrErrorResponse), sent as application/json. */
function expectQrError(res: ApiResponse, status: number, fields: { title?: string; invalid?: string } = {}) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body).toEqual(expect.objectContaining({ type: expect.stringMatching(/^https:\/\//), title: expect.any(String), detail: expect.any(String), instance: expect.any(String) }));
  // Not the ePayment problem: no status, traceId or extraDetails.
  for (const key of ['status', 'traceId', 'extraDetails']) expect(res.body).not.toHaveProperty(key);
  if (fields.title) expect(res.body.title).toBe(fields.title);
  if (fields.invalid) expect(res.body.invalidParams.map((p: { name: string }) => p.name)).toContain(fields.invalid);
}

describe('merchant redirect QR', () => {
  it('create answers the documented body; the SVG image decodes to a link that redirects to the merchant URL', async () => {
    const res = await create('billboard_1', 'https://shop.example/products/socks?utm=qr');
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ id: 'billboard_1', url: expect.stringMatching(new RegExp(`^${emu.url}/qr/images/merchant-redirect/[A-Za-z0-9_-]+\\.svg$`)), redirectUrl: 'https://shop.example/products/socks?utm=qr', expiresIn: -1 });

    const svg = await image(res.body.url);
    expect(svg.status).toBe(200);
    expect(svg.type).toMatch(/^image\/svg\+xml/);
    const content = decodeSvg(svg.body.toString('utf8'));
    expect(content).toMatch(new RegExp(`^${emu.url}/qr/r/[A-Za-z0-9_-]+$`));

    const followed = await scan(content);
    expect(followed.status).toBe(302);
    expect(followed.headers.get('location')).toBe('https://shop.example/products/socks?utm=qr');
  });

  it('Accept chooses the format: image/png (Size pixels), image/* (SVG), text/targetUrl (the content itself)', async () => {
    const svg = await create('format-test');
    const content = decodeSvg((await image(svg.body.url)).body.toString('utf8'));

    const png = await qr('GET', path('format-test'), { accept: 'image/png', size: '300' });
    expect(png.status, png.text).toBe(200);
    expect(png.body.url).toMatch(/\.png\?size=300$/);
    const pngImage = await image(png.body.url);
    expect(pngImage.type).toBe('image/png');
    const decoded = decodePng(pngImage.body);
    expect(decoded).toEqual({ text: content, width: 300, height: 300 });
    // Without Size: the default width.
    expect(decodePng((await image((await qr('GET', path('format-test'), { accept: 'image/png' })).body.url)).body).width).toBe(1024);

    expect((await qr('GET', path('format-test'), { accept: 'image/*' })).body.url).toBe(svg.body.url);
    expect((await qr('GET', path('format-test'), { accept: 'text/targetUrl' })).body.url).toBe(content);
    // Media types are case-insensitive; a list is read by q-value.
    expect((await qr('GET', path('format-test'), { accept: 'TEXT/TARGETURL' })).body.url).toBe(content);
    expect((await qr('GET', path('format-test'), { accept: 'application/json;q=1, image/png;q=0.9, image/svg+xml;q=0.5' })).body.url).toMatch(/\.png$/);
    // The create itself answers in the asked format too.
    const asText = await create('format-text', 'https://shop.example/t', { accept: 'text/targetUrl' });
    expect(asText.body.url).toMatch(new RegExp(`^${emu.url}/qr/r/`));
    expect((await scan(asText.body.url)).headers.get('location')).toBe('https://shop.example/t');
  });

  it('list returns the sales unit\'s codes; get finds one by id, also ids with spaces and Norwegian letters', async () => {
    await create('a-1');
    await create('Kasse 2 æøå', 'https://shop.example/kasse');
    const list = await qr('GET', '/qr/v1/merchant-redirect', { accept: 'image/png' });
    expect(list.status, list.text).toBe(200);
    expect(list.body.map((q: { id: string }) => q.id)).toEqual(['a-1', 'Kasse 2 æøå']);
    for (const q of list.body) expect(q).toEqual({ id: expect.any(String), url: expect.stringMatching(/\.png$/), redirectUrl: expect.any(String), expiresIn: -1 });
    const one = await qr('GET', path('Kasse 2 æøå'));
    expect(one.status, one.text).toBe(200);
    expect(one.body).toMatchObject({ id: 'Kasse 2 æøå', redirectUrl: 'https://shop.example/kasse' });
    expect((await qr('GET', '/qr/v1/merchant-redirect', { asOther: true })).body).toEqual([]);
  });

  it('update changes the target at once; the code and its image stay the same', async () => {
    const first = await create('poster', 'https://shop.example/summer');
    const content = decodeSvg((await image(first.body.url)).body.toString('utf8'));
    const updated = await qr('PUT', path('poster'), { body: { redirectUrl: 'https://shop.example/winter' } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toEqual({ id: 'poster', url: first.body.url, redirectUrl: 'https://shop.example/winter', expiresIn: -1 });
    expect(decodeSvg((await image(updated.body.url)).body.toString('utf8'))).toBe(content);
    expect((await scan(content)).headers.get('location')).toBe('https://shop.example/winter');
    expect((await qr('GET', path('poster'))).body.redirectUrl).toBe('https://shop.example/winter');
  });

  it('delete: the code stops working for good; the id can be used again, with a new code', async () => {
    const first = await create('gone');
    const content = decodeSvg((await image(first.body.url)).body.toString('utf8'));
    const deleted = await qr('DELETE', path('gone'), { accept: null });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.text).toBe('');
    expectQrError(await qr('GET', path('gone')), 404, { title: 'Not Found' });
    expectQrError(await qr('DELETE', path('gone')), 404);
    expect((await image(first.body.url)).status).toBe(404);
    const dead = await scan(content);
    expect(dead.status).toBe(404);
    expect(dead.headers.get('content-type')).toMatch(/^text\/html/);

    const again = await create('gone', 'https://shop.example/again');
    expect(again.status).toBe(200);
    expect(again.body.url).not.toBe(first.body.url);
    expect((await scan(content)).status).toBe(404);
    expect((await scan(decodeSvg((await image(again.body.url)).body.toString('utf8')))).headers.get('location')).toBe('https://shop.example/again');
  });

  it('an id that exists is 409 with the id; an id of another sales unit is free', async () => {
    await create('dup');
    const conflict = await create('dup', 'https://shop.example/other');
    expectQrError(conflict, 409, { title: 'Conflict' });
    expect(conflict.body.id).toBe('dup');
    expect((await create('dup', 'https://other.example/dup', { asOther: true })).status).toBe(200);
  });

  it('ttl: expiresIn counts down on the emulator clock; then the code is gone and its id free', async () => {
    const res = await create('flyer', 'https://shop.example/flyer', { ttl: 300 });
    expect(res.body.expiresIn).toBe(300);
    const content = decodeSvg((await image(res.body.url)).body.toString('utf8'));
    await advance(200);
    expect((await qr('GET', path('flyer'))).body.expiresIn).toBe(100);
    expect((await scan(content)).status).toBe(302);
    await advance(100);
    expectQrError(await qr('GET', path('flyer')), 404);
    expect((await qr('GET', '/qr/v1/merchant-redirect')).body).toEqual([]);
    expect((await image(res.body.url)).status).toBe(404);
    expect((await scan(content)).status).toBe(404);
    // The clock jump ran the module's sweep: the row itself is deleted, as the real API deletes it.
    expect(await emu.ctx.database.db.selectFrom('qr_merchant_redirects').selectAll().execute()).toEqual([]);
    expect((await create('flyer')).status).toBe(200);
    // ttl: null is "never expires".
    expect((await create('forever', 'https://shop.example/f', { ttl: null })).body.expiresIn).toBe(-1);
  });

  it('another sales unit\'s code is not found: get, update and delete are refused, the code keeps working', async () => {
    await create('mine', 'https://shop.example/mine');
    expectQrError(await qr('GET', path('mine'), { asOther: true }), 404);
    expectQrError(await qr('PUT', path('mine'), { asOther: true, body: { redirectUrl: 'https://evil.example/' } }), 404);
    expectQrError(await qr('DELETE', path('mine'), { asOther: true }), 404);
    expect((await qr('GET', path('mine'))).body.redirectUrl).toBe('https://shop.example/mine');
    // The other unit's keys with this unit's MSN: refused before the API looks.
    const mixed = await emu.call('GET', path('mine'), { headers: { accept: 'image/svg+xml', authorization: `Bearer ${other.token}`, 'ocp-apim-subscription-key': other.merchant.subscriptionKey } });
    expectQrError(mixed, 403);
  });

  it('bad input is a 400 naming the field as the real API does; an Accept nobody serves is 415; never a 500', async () => {
    expectQrError(await create('bad/id<>'), 400, { invalid: 'Id', title: 'One or more validation errors occurred.' });
    expectQrError(await create(''), 400, { invalid: 'Id' });
    expectQrError(await create('x'.repeat(129)), 400, { invalid: 'Id' });
    expectQrError(await create('plain-http', 'http://shop.example/'), 400, { invalid: 'RedirectUrl' });
    expectQrError(await create('not-a-url', 'shop.example'), 400, { invalid: 'RedirectUrl' });
    expectQrError(await create('short-ttl', 'https://shop.example/', { ttl: 299 }), 400, { invalid: 'Ttl' });
    expectQrError(await qr('POST', '/qr/v1/merchant-redirect', { body: { id: 'no-url' } }), 400, { invalid: 'RedirectUrl' });
    expectQrError(await qr('POST', '/qr/v1/merchant-redirect', { rawBody: '{"id": ' }), 400);
    expectQrError(await qr('POST', '/qr/v1/merchant-redirect'), 400);
    expectQrError(await create('ttl-type', 'https://shop.example/', { ttl: '600' as never }), 400, { invalid: 'Ttl' });
    await create('exists');
    expectQrError(await qr('PUT', path('exists'), { body: { redirectUrl: 'ftp://shop.example/' } }), 400, { invalid: 'RedirectUrl' });
    expectQrError(await qr('PUT', path('exists'), { body: {} }), 400, { invalid: 'RedirectUrl' });
    expectQrError(await qr('PUT', path('nothing-here'), { body: { redirectUrl: 'https://shop.example/' } }), 404);

    expectQrError(await qr('GET', '/qr/v1/merchant-redirect', { accept: 'application/json' }), 415, { title: 'Unsupported Media Type' });
    expectQrError(await qr('GET', '/qr/v1/merchant-redirect', { accept: null }), 415); // fetch's */*
    expectQrError(await create('wrong-accept', 'https://shop.example/', { accept: 'text/html' }), 415);
    expectQrError(await qr('GET', path('exists'), { accept: 'image/png', size: '99' }), 400, { invalid: 'Size' });
    expectQrError(await qr('GET', path('exists'), { accept: 'image/png', size: 'big' }), 400, { invalid: 'Size' });
    const xml = await emu.call('POST', '/qr/v1/merchant-redirect', { rawBody: '<id/>', headers: { accept: 'image/png', 'content-type': 'application/xml' } });
    expectQrError(xml, 415);
    // A shop on the developer's machine may be the target.
    expect((await create('local', 'http://localhost:3000/landing')).status).toBe(200);
    expect((await create('local-ip', 'http://127.0.0.1:8080/x')).status).toBe(200);
  });

  it('no Accept header at all is a 400 naming it (the spec makes it required)', async () => {
    // fetch always sends one: a raw request.
    const { status, body } = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(`${emu.url}/qr/v1/merchant-redirect`, {
        headers: { authorization: `Bearer ${emu.token}`, 'ocp-apim-subscription-key': emu.merchant.subscriptionKey, 'merchant-serial-number': emu.merchant.msn },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(body.invalidParams).toEqual([expect.objectContaining({ name: 'Accept' })]);
  });

  it('credentials as for every API: the gateway answers a missing token in its own shape', async () => {
    const res = await emu.call('GET', '/qr/v1/merchant-redirect', { anonymous: true, headers: { accept: 'image/png' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ statusCode: 401, message: expect.stringContaining('subscription key') });
    // Image and scan links need none (the real ones are public too).
    const created = await create('public');
    expect((await image(created.body.url)).status).toBe(200);
  });

  it('the control API tells where a scanned code leads', async () => {
    const created = await create('scan-me', 'https://shop.example/scanned', { accept: 'text/targetUrl' });
    const res = await emu.call('POST', '/devkit/v1/qr/scan', { body: { content: created.body.url }, anonymous: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ kind: 'merchant-redirect', msn: emu.merchant.msn, id: 'scan-me', target: 'https://shop.example/scanned' });
    const unknown = await emu.call('POST', '/devkit/v1/qr/scan', { body: { content: 'https://example.com/' }, anonymous: true });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('one-time payment QR', () => {
  it('a QR of an ePayment landing page: the PNG decodes to it; text/targetUrl answers it; it lives 5 minutes', async () => {
    const { response } = await emu.createPayment();
    const landing = response.body.redirectUrl as string;
    expect(landing).toMatch(/\/landing\?token=/);
    const res = await qr('POST', '/qr/v1', { body: { url: landing }, accept: 'image/png', size: '400' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ url: expect.stringMatching(new RegExp(`^${emu.url}/qr/images/one-time/[A-Za-z0-9_-]+\\.png\\?size=400$`)), expiresIn: 300 });
    const png = await image(res.body.url);
    expect(decodePng(png.body)).toEqual({ text: landing, width: 400, height: 400 });

    const text = await qr('POST', '/qr/v1', { body: { url: landing }, accept: 'text/targetUrl' });
    expect(text.body).toEqual({ url: landing, expiresIn: 300 });

    await advance(120);
    const svg = await qr('POST', '/qr/v1', { body: { url: landing } });
    expect(decodeSvg((await image(svg.body.url)).body.toString('utf8'))).toBe(landing);
    await advance(181);
    expect((await image(res.body.url)).status).toBe(404);
    expect((await image(svg.body.url)).status).toBe(200);
  });

  it('takes the eCom url (MT\'s deeplink path) too', async () => {
    const orderId = `qr-${randomUUID().slice(0, 12)}`;
    const initiated = await emu.call('POST', '/ecomm/v2/payments', {
      body: {
        customerInfo: {},
        merchantInfo: { merchantSerialNumber: emu.merchant.msn, callbackPrefix: 'http://127.0.0.1:9/callbacks', fallBack: 'https://shop.example/fallback' },
        transaction: { orderId, amount: 20000, transactionText: 'Socks' },
      },
    });
    expect(initiated.status, initiated.text).toBe(200);
    const res = await qr('POST', '/qr/v1', { body: { url: initiated.body.url }, accept: 'image/png' });
    expect(res.status, res.text).toBe(200);
    expect(decodePng((await image(res.body.url)).body).text).toBe(initiated.body.url);
  });

  it('a URL that is not a landing page of this emulator is the spec\'s "Supplied landing page token is not valid"', async () => {
    for (const url of ['https://example.com/landing?token=abcdefghijkl', `${emu.url}/landing`, `${emu.url}/app?token=abcdefghijkl`, 'not a url', `${emu.url}/landing?token=<script>`]) {
      const res = await qr('POST', '/qr/v1', { body: { url } });
      expectQrError(res, 400, { title: 'Validation error' });
      expect(res.body.detail).toBe('Supplied landing page token is not valid');
    }
    expectQrError(await qr('POST', '/qr/v1', { body: {} }), 400, { invalid: 'Url' });
    expectQrError(await qr('POST', '/qr/v1', { body: { url: `${emu.url}/landing?token=abcdefghijkl` }, accept: 'image/gif' }), 415);
  });
});

describe('merchant callback QR', () => {
  const cb = (merchantQrId: string) => `/qr/v1/merchant-callback/${encodeURIComponent(merchantQrId)}`;
  const put = (merchantQrId: string, locationDescription: string, o: QrCall = {}) => qr('PUT', cb(merchantQrId), { ...o, accept: null, body: { locationDescription } });
  const exchange = (customerToken: string, o: QrCall = {}) => qr('POST', '/qr/v1/exchange/customer', { ...o, accept: null, body: { customer: { customerToken }, requestedData: ['MSISDN'] } });

  it('PUT creates (200, no body) and updates the location only; GET shows it; the image (qrImageFormat, qrImageSize) decodes to qrContent', async () => {
    const created = await put('kasse-1', 'Kasse 1');
    expect(created.status, created.text).toBe(200);
    expect(created.text).toBe('');
    const got = await qr('GET', cb('kasse-1'), { accept: null });
    expect(got.status, got.text).toBe(200);
    expect(got.body).toEqual({
      merchantSerialNumber: emu.merchant.msn,
      merchantQrId: 'kasse-1',
      locationDescription: 'Kasse 1',
      qrImageUrl: expect.stringMatching(new RegExp(`^${emu.url}/qr/images/merchant-callback/[A-Za-z0-9_-]+\.svg$`)),
      qrContent: expect.stringMatching(new RegExp(`^${emu.url}/qr/c/[A-Za-z0-9_-]+$`)),
    });
    expect(decodeSvg((await image(got.body.qrImageUrl)).body.toString('utf8'))).toBe(got.body.qrContent);
    const png = await qr('GET', `${cb('kasse-1')}?qrImageFormat=PNG&qrImageSize=250`, { accept: null });
    expect(png.body.qrImageUrl).toMatch(/\.png\?size=250$/);
    expect(decodePng((await image(png.body.qrImageUrl)).body)).toEqual({ text: got.body.qrContent, width: 250, height: 250 });

    expect((await put('kasse-1', 'Kiosk')).status).toBe(200);
    const again = await qr('GET', cb('kasse-1'), { accept: null });
    expect(again.body).toEqual({ ...got.body, locationDescription: 'Kiosk' });
    await put('kasse-2', 'Kasse 2');
    expect((await qr('GET', '/qr/v1/merchant-callback', { accept: null })).body.map((q: any) => [q.merchantQrId, q.locationDescription])).toEqual([['kasse-1', 'Kiosk'], ['kasse-2', 'Kasse 2']]);
    expect((await qr('GET', '/qr/v1/merchant-callback', { accept: null, asOther: true })).body).toEqual([]);
  });

  it('DELETE removes it (404 after); the MSN header is required; bad input is a 400 in the QR shape', async () => {
    await put('gone', 'Door');
    expect((await qr('DELETE', cb('gone'), { accept: null })).status).toBe(200);
    expectQrError(await qr('GET', cb('gone'), { accept: null }), 404);
    expectQrError(await qr('DELETE', cb('gone'), { accept: null }), 404);
    expectQrError(await qr('DELETE', cb('never'), { accept: null, asOther: true }), 404);
    const noMsn = await emu.call('GET', '/qr/v1/merchant-callback', { headers: { 'merchant-serial-number': undefined } });
    expectQrError(noMsn, 400, { invalid: 'Merchant-Serial-Number' });
    expectQrError(await put('long', 'x'.repeat(37)), 400, { invalid: 'LocationDescription' });
    expectQrError(await qr('PUT', cb('none'), { accept: null, body: {} }), 400, { invalid: 'LocationDescription' });
    expectQrError(await qr('GET', '/qr/v1/merchant-callback?qrImageFormat=GIF', { accept: null }), 400, { invalid: 'qrImageFormat' });
    await put('sized', 'S');
    expectQrError(await qr('GET', `${cb('sized')}?qrImageFormat=PNG&qrImageSize=5000`, { accept: null }), 400, { invalid: 'qrImageSize' });
  });

  it('a scan checks the user in: user.checked-in.v1 reaches the webhook; its customerToken exchanges for the MSISDN for 15 minutes, for this sales unit only', async () => {
    const receiver = await startReceiver();
    try {
      const hook = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: receiver.url(), events: ['user.checked-in.v1'] } });
      expect(hook.status, hook.text).toBe(201);
      await put('till-3', 'Kasse 3');
      const content = (await qr('GET', cb('till-3'), { accept: null })).body.qrContent;
      const scanned = await emu.call('POST', '/devkit/v1/qr/scan', { body: { content, phoneNumber: '97777776' }, anonymous: true });
      expect(scanned.status, scanned.text).toBe(200);
      expect(scanned.body).toEqual({
        kind: 'merchant-callback', msn: emu.merchant.msn, locationDescription: 'Kasse 3', phoneNumber: '4797777776',
        customerToken: expect.any(String), merchantQrId: 'till-3', merchantSerialNumber: emu.merchant.msn, initiatedAt: expect.any(String),
      });
      const [delivery] = await receiver.until((r) => r.length >= 1);
      expect(delivery!.json).toEqual({ customerToken: scanned.body.customerToken, merchantQrId: 'till-3', merchantSerialNumber: emu.merchant.msn, initiatedAt: scanned.body.initiatedAt });

      const exchanged = await exchange(scanned.body.customerToken);
      expect(exchanged.status, exchanged.text).toBe(200);
      expect(exchanged.body).toEqual({ msisdn: '4797777776', timestamp: Math.floor(Date.parse(scanned.body.initiatedAt) / 1000) });

      // The exchange endpoints' own error shape: {title, status, detail, extraDetails}.
      const refused = await exchange(scanned.body.customerToken, { asOther: true });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ title: 'Bad request', status: 400, detail: expect.any(String), extraDetails: [{ name: 'customer.customerToken', reason: expect.any(String) }] });
      const missing = await qr('POST', '/qr/v1/exchange/customer', { accept: null, body: { requestedData: ['MSISDN'] } });
      expect(missing.body).toMatchObject({ title: 'Bad request', status: 400, extraDetails: [{ name: 'customer' }] });
      expect((await qr('POST', '/qr/v1/exchange/customer', { accept: null, body: { customer: { customerToken: 'x' }, requestedData: ['EMAIL'] } })).body.extraDetails[0].name).toMatch(/^requestedData/);

      await advance(15 * 60);
      expect((await exchange(scanned.body.customerToken)).status).toBe(400);
      // Unknown codes and users are refused by the control API.
      expect((await emu.call('POST', '/devkit/v1/qr/scan', { body: { content, phoneNumber: '4711111111' }, anonymous: true })).status).toBe(400);
      expect((await emu.call('POST', '/devkit/v1/qr/scan', { body: { content: `${emu.url}/qr/c/AAAAAAAAAAAA` }, anonymous: true })).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('the code opened in a browser stands in for the app: a page to check in as a test user', async () => {
    await put('web', 'Kiosk');
    const content = (await qr('GET', cb('web'), { accept: null })).body.qrContent as string;
    const pageRes = await fetch(content);
    expect(pageRes.status).toBe(200);
    const text = await pageRes.text();
    expect(text).toContain('Kiosk');
    expect(text).toContain('name="phoneNumber"');
    const posted = await fetch(content, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'phoneNumber=4797777776' });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('Checked in as +4797777776');
    expect((await fetch(content, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'phoneNumber=' })).status).toBe(400);
    // The API itself still wants JSON.
    const form = await emu.call('PUT', cb('web'), { rawBody: 'locationDescription=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectQrError(form, 415);
  });

  it('exchange: the QR a test user shows in the app gives the sales unit the user\'s MSISDN', async () => {
    const shown = await emu.call('POST', '/devkit/v1/qr/personal-qr', { body: { phoneNumber: '97777776' }, anonymous: true });
    expect(shown.status, shown.text).toBe(201);
    expect(shown.body).toEqual({ qrCode: expect.stringMatching(new RegExp(`^${emu.url}/qr/p/`)), phoneNumber: '4797777776', version: '2.0', timestamp: expect.any(Number) });
    const res = await qr('POST', '/qr/v1/exchange', { accept: null, body: { qrCode: shown.body.qrCode, requestedData: ['MSISDN'] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ msisdn: '4797777776', timestamp: shown.body.timestamp, version: '2.0' });
    // Any sales unit may scan a user's QR; requestedData defaults to MSISDN.
    expect((await qr('POST', '/qr/v1/exchange', { accept: null, asOther: true, body: { qrCode: shown.body.qrCode } })).body.msisdn).toBe('4797777776');
    for (const qrCode of ['https://qr.vipps.no/p/qwjhewqhueheuqwhuqwhe', `${emu.url}/qr/p/AAAAAAAAAAAAAAAA`]) {
      expect((await qr('POST', '/qr/v1/exchange', { accept: null, body: { qrCode } })).body).toEqual({ title: 'Bad request', status: 400, detail: expect.any(String), extraDetails: [{ name: 'qrCode', reason: expect.any(String) }] });
    }
    expect((await qr('POST', '/qr/v1/exchange', { accept: null, body: {} })).body).toMatchObject({ status: 400, extraDetails: [{ name: 'qrCode' }] });
    expect((await emu.call('POST', '/devkit/v1/qr/personal-qr', { body: { phoneNumber: '4711111111' }, anonymous: true })).status).toBe(400);
  });

  it('a MobilePay beacon is mapped to one sales unit: another one gets 409 with the id', async () => {
    const mapped = await qr('PUT', '/qr/v1/merchant-callback/mobilepay/beacon-77', { accept: null, body: { locationDescription: 'Old till' } });
    expect(mapped.status, mapped.text).toBe(200);
    expect((await qr('GET', cb('beacon-77'), { accept: null })).body.locationDescription).toBe('Old till');
    expect((await qr('PUT', '/qr/v1/merchant-callback/mobilepay/beacon-77', { accept: null, body: { locationDescription: 'Renamed' } })).status).toBe(200);
    const taken = await qr('PUT', '/qr/v1/merchant-callback/mobilepay/beacon-77', { accept: null, asOther: true, body: { locationDescription: 'Mine' } });
    expectQrError(taken, 409);
    expect(taken.body.id).toBe('beacon-77');
  });
});

describe('the QR API in the house: reset, faults, status page, 404s', () => {
  const rows = async () => {
    const db = emu.ctx.database.db;
    const redirects = await db.selectFrom('qr_merchant_redirects').select(['msn', 'id']).execute();
    const oneTime = await db.selectFrom('qr_one_time_codes').select(['msn']).execute();
    const callbacks = await db.selectFrom('qr_merchant_callbacks').select(['msn', 'merchant_qr_id']).execute();
    const tokens = await db.selectFrom('qr_customer_tokens').select(['msn']).execute();
    const personal = await db.selectFrom('qr_personal_codes').select(['phone_number']).execute();
    return {
      personal: personal.length,
      redirects: redirects.map((r) => `${r.msn}/${r.id}`).sort(),
      oneTime: oneTime.map((r) => r.msn).sort(),
      callbacks: callbacks.map((r) => `${r.msn}/${r.merchant_qr_id}`).sort(),
      tokens: tokens.map((r) => r.msn).sort(),
    };
  };
  const fill = async () => {
    await create('a');
    await create('b', undefined, { asOther: true });
    const { response } = await emu.createPayment();
    expect((await qr('POST', '/qr/v1', { body: { url: response.body.redirectUrl } })).status).toBe(200);
    expect((await qr('PUT', '/qr/v1/merchant-callback/c', { accept: null, body: { locationDescription: 'C' } })).status).toBe(200);
    const content = (await qr('GET', '/qr/v1/merchant-callback/c', { accept: null })).body.qrContent;
    expect((await emu.call('POST', '/devkit/v1/qr/scan', { body: { content }, anonymous: true })).status).toBe(200);
    expect((await emu.call('POST', '/devkit/v1/qr/personal-qr', { anonymous: true })).status).toBe(201);
  };

  it('reset empties its tables; a merchant\'s reset only that merchant\'s rows', async () => {
    await fill();
    const me = emu.merchant.msn;
    expect(await rows()).toEqual({ redirects: [`${me}/a`, `${other.merchant.msn}/b`].sort(), oneTime: [me], callbacks: [`${me}/c`], tokens: [me], personal: 1 });
    const one = await emu.call('POST', `/devkit/v1/merchants/${me}/reset`, { anonymous: true });
    expect(one.status, one.text).toBe(200);
    // The users' own QRs belong to no sales unit: only a whole reset removes them.
    expect(await rows()).toEqual({ redirects: [`${other.merchant.msn}/b`], oneTime: [], callbacks: [], tokens: [], personal: 1 });
    expect((await qr('GET', path('b'), { asOther: true })).status).toBe(200);

    await fill();
    expect((await emu.call('POST', '/devkit/v1/reset', { anonymous: true })).status).toBe(200);
    expect(await rows()).toEqual({ redirects: [], oneTime: [], callbacks: [], tokens: [], personal: 0 });
  });

  it('a fault on api "qr" fails its routes in the QR API\'s shape, and only them', async () => {
    const fault = await emu.call('POST', '/devkit/v1/faults', { body: { type: 'errors', api: 'qr', rate: 1, status: 500 }, anonymous: true });
    expect(fault.status, fault.text).toBe(201);
    expect(fault.body.incident.name).toBe('Elevated error rates on QR API in MT');
    try {
      const failed = await qr('GET', '/qr/v1/merchant-redirect');
      expectQrError(failed, 500, { title: 'Internal Server Error' });
      expect((await emu.call('GET', '/epayment/v1/payments/not-faulted-1')).status).toBe(404);
    } finally {
      await emu.call('DELETE', `/devkit/v1/faults/${fault.body.fault.id}`, { anonymous: true });
    }
    expect((await qr('GET', '/qr/v1/merchant-redirect')).status).toBe(200);
    // An endpoint fault finds the API from the path.
    const endpoint = await emu.call('POST', '/devkit/v1/faults', { body: { type: 'outage', endpoint: 'POST /qr/v1/merchant-redirect', mode: '503' }, anonymous: true });
    expect(endpoint.status, endpoint.text).toBe(201);
    expect(endpoint.body.fault.api).toBe('qr');
    expectQrError(await create('during-outage'), 503);
    expect((await qr('GET', '/qr/v1/merchant-redirect')).status).toBe(200);
    // The exchange endpoints have their own documented shape, faults included.
    const exchange = await emu.call('POST', '/devkit/v1/faults', { body: { type: 'errors', endpoint: 'POST /qr/v1/exchange/customer', rate: 1, status: 502 }, anonymous: true });
    expect(exchange.status, exchange.text).toBe(201);
    const failed = await qr('POST', '/qr/v1/exchange/customer', { accept: null, body: { customer: { customerToken: 'x' }, requestedData: ['MSISDN'] } });
    expect(failed.status).toBe(502);
    expect(failed.body).toEqual({ title: 'Bad Gateway', status: 502, detail: expect.any(String) });
  });

  it('the status page has a "QR API" component in every environment', async () => {
    const res = await emu.call('GET', '/api/v2/components.json', { anonymous: true });
    const groups = res.body.components.filter((c: any) => c.group);
    for (const g of groups) {
      const names = res.body.components.filter((c: any) => c.group_id === g.id).map((c: any) => c.name);
      expect(names).toContain('QR API');
    }
    expect(res.body.components.find((c: any) => c.name === 'QR API').description).toMatch(/QR/);
  });

  it('paths under /qr/ that no route serves answer 404 in the QR API\'s shape (another method 405); ePayment\'s QR images are still served', async () => {
    expectQrError(await qr('GET', '/qr/v2/merchant-redirect'), 404);
    expectQrError(await qr('PATCH', path('x')), 405);
    const { response } = await emu.createPayment({ userFlow: 'QR', returnUrl: undefined });
    const res = await image(response.body.redirectUrl);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^image\/svg\+xml/);
  });
});

// The same tables and queries on PostgreSQL (shared deployments); skipped, and said so, without one.
const pgSkip = await pgUnreachable();
if (pgSkip) console.log(`QR API on PostgreSQL skipped: no database at ${testPgUrl} (${pgSkip})`);

describe.skipIf(pgSkip !== undefined)('on PostgreSQL', () => {
  it('migrates, stores, reads, expires and resets QR codes', async () => {
    const schema = `devkit_qr_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const pgEmu = await startTestEmulator({ database: { kind: 'postgres', url: testPgUrl, schema } });
    const call = (method: string, p: string, body?: unknown, accept = 'image/png') => pgEmu.call(method, p, { headers: { accept }, ...(body === undefined ? {} : { body }) });
    try {
      expect((await call('POST', '/qr/v1/merchant-redirect', { id: 'pg 1', redirectUrl: 'https://shop.example/pg', ttl: 300 })).status).toBe(200);
      expect((await call('POST', '/qr/v1/merchant-redirect', { id: 'pg 1', redirectUrl: 'https://shop.example/pg' })).status).toBe(409);
      expect((await call('PUT', '/qr/v1/merchant-redirect/pg%201', { redirectUrl: 'https://shop.example/pg2' })).body.redirectUrl).toBe('https://shop.example/pg2');
      expect((await call('PUT', '/qr/v1/merchant-callback/till', { locationDescription: 'Till' })).status).toBe(200);
      const content = (await call('GET', '/qr/v1/merchant-callback/till')).body.qrContent;
      const scanned = await pgEmu.call('POST', '/devkit/v1/qr/scan', { body: { content }, anonymous: true });
      expect(scanned.status, scanned.text).toBe(200);
      expect((await call('POST', '/qr/v1/exchange/customer', { customer: { customerToken: scanned.body.customerToken }, requestedData: ['MSISDN'] })).status).toBe(200);
      await pgEmu.call('POST', '/devkit/v1/clock/advance', { body: { seconds: 301 }, anonymous: true });
      expect((await call('GET', '/qr/v1/merchant-redirect')).body).toEqual([]);
      expect((await pgEmu.call('POST', `/devkit/v1/merchants/${pgEmu.merchant.msn}/reset`, { anonymous: true })).status).toBe(200);
      expect((await call('GET', '/qr/v1/merchant-callback')).body).toEqual([]);
    } finally {
      await pgEmu.close();
      const client = new pg.Client({ connectionString: testPgUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  });
});
