import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const page = (path: string, init: RequestInit = {}) => fetch(`${emu.url}${path}`, { redirect: 'manual', ...init });
const form = (path: string, fields: Record<string, string>) =>
  page(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

describe('pages over plain HTTP', () => {
  it('the landing page is self-contained HTML with a strict policy', async () => {
    const { response } = await emu.createPayment();
    const res = await page(new URL(response.body.redirectUrl).pathname + new URL(response.body.redirectUrl).search);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const text = await res.text();
    expect(text).toContain('Devkit Test Shop');
    // No external assets: nothing is loaded from anywhere else.
    expect(text).not.toMatch(/<(script|link|img)\b/i);
    expect(text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('answers bad links and bad input with a clear 4xx page, never a 500', async () => {
    const { response } = await emu.createPayment();
    const token = tokenOf(response.body.redirectUrl);
    const cases: Array<[Promise<Response>, number, string]> = [
      [page('/landing'), 400, 'no valid token'],
      [page('/landing?token=%3Cscript%3E'), 400, 'no valid token'],
      [page('/landing?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 404, 'No payment belongs to this link'],
      [page('/qr/v1?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 404, 'No payment belongs'],
      [page(`/qr/v1?token=${token}`), 404, 'not created with userFlow QR'],
      [page('/app-switch'), 400, 'no valid token'],
      [page('/app/123'), 400, 'is not a phone number'],
      [page('/app/4700000000'), 404, 'no Vipps test user'],
      [page('/app?phone=xyz'), 400, 'Enter a phone number'],
      [page('/app?phone=41111111'), 404, 'not a Vipps test user'],
      [form('/landing', { token, phoneNumber: 'abc' }), 400, 'Enter a phone number'],
      [form('/landing', { token, phoneNumber: '41111111' }), 400, 'is not a Vipps user'],
      [form('/landing', { token: 'nope' }), 400, 'no valid token'],
      [form(`/app/4797777776/requests/${token}/approve`, { pin: '1236' }), 404, 'is not in +47 977 77 776&#39;s app'],
      [form('/app/4797777776/scan', { link: 'https://example.com/nothing' }), 400, 'not a Vipps payment link'],
      [form('/app/4797777776/scan', { link: `${emu.url}/qr/v1?token=AAAAAAAAAAAAAAAAAAAAAAAA` }), 400, 'No payment belongs'],
      [page('/landing', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"token":' }), 400, ''],
      [page('/landing', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<x/>' }), 415, ''],
    ];
    for (const [pending, status, text] of cases) {
      const res = await pending;
      const body = await res.text();
      expect({ url: res.url, status: res.status }).toEqual({ url: res.url, status });
      expect(body).toContain(text);
    }
  });

  it('"continue" sends the request to the chosen app; approving there needs the PIN', async () => {
    const { reference, response } = await emu.createPayment({ customer: { phoneNumber: '4797777776' } });
    const token = tokenOf(response.body.redirectUrl);
    // Someone else may pay: the number on the landing page can be changed.
    const sent = await form('/landing', { token, phoneNumber: '91234567' });
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe('/app/4791234567');
    expect(await (await page('/app/4791234567')).text()).toContain(`data-reference="${reference}"`);
    const wrong = await form(`/app/4791234567/requests/${token}/approve`, { pin: '1111' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Wrong PIN');
    const ok = await form(`/app/4791234567/requests/${token}/approve`, { pin: '1236' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('https://shop.example/return');
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}`)).body.state).toBe('AUTHORIZED');
    // Acting on it again is refused with the reason, not a 500.
    const again = await form(`/app/4791234567/requests/${token}/reject`, {});
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('cannot be rejected');
  });

  it('QR: SVG by default, PNG at the asked size, and TEXT/TARGETURL returns the URL to encode', async () => {
    const svg = await emu.createPayment({ userFlow: 'QR', returnUrl: undefined });
    expect(svg.response.body.redirectUrl).toMatch(new RegExp(`^${emu.url}/qr/v1\\?token=`));
    const svgRes = await page(new URL(svg.response.body.redirectUrl).pathname + new URL(svg.response.body.redirectUrl).search);
    expect(svgRes.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svgRes.text()).toMatch(/^<svg[^>]*viewBox="0 0 \d+ \d+"[\s\S]*<path/);

    const png = await emu.createPayment({ userFlow: 'QR', returnUrl: undefined, qrFormat: { format: 'IMAGE/PNG', size: 300 } });
    const pngRes = await page(new URL(png.response.body.redirectUrl).pathname + new URL(png.response.body.redirectUrl).search);
    expect(pngRes.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await pngRes.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.readUInt32BE(16)).toBe(300); // IHDR width

    const text = await emu.createPayment({ userFlow: 'QR', returnUrl: undefined, qrFormat: { format: 'TEXT/TARGETURL' } });
    const target = text.response.body.redirectUrl as string;
    expect(target).toMatch(new RegExp(`^${emu.url}/landing\\?token=`));
    expect((await page(new URL(target).pathname + new URL(target).search)).status).toBe(200);
    const get = await emu.call('GET', `/epayment/v1/payments/${text.reference}`);
    expect(get.body.redirectUrl).toBe(target);
  });

  it('a request sent to another number moves to that app', async () => {
    const { reference, response } = await emu.createPayment();
    const token = tokenOf(response.body.redirectUrl);
    await form('/landing', { token, phoneNumber: '4793456789' });
    await form('/landing', { token, phoneNumber: '4798765432' });
    expect(await (await page('/app/4793456789')).text()).not.toContain(`data-reference="${reference}"`);
    expect(await (await page('/app/4798765432')).text()).toContain(`data-reference="${reference}"`);
    // The landing page now says where the request went, and waits.
    const landing = await (await page(`/landing?token=${token}`)).text();
    expect(landing).toContain('+47 987 65 432');
    expect(landing).toContain('http-equiv="refresh"');
    // Once the user has acted in the app, the waiting landing page sends the browser to the merchant.
    const approved = await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, body: {} });
    expect(approved.body).toMatchObject({ state: 'AUTHORIZED', phoneNumber: '4798765432' });
    const done = await page(`/landing?token=${token}`);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('https://shop.example/return');
  });
});
