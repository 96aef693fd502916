// minimumUserAge (ePayment, SDK 2024): the payer's age comes from the test user's national identity
// number, on the emulator clock. An under-age user is "Customer not found" (reference §3.2, TK):
// at create when the merchant names the customer, in the app (and force approve) otherwise; the
// payment then waits for another payer, a rejection or its expiry.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osloDate } from '../../../src/platform/nin.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const OLDEST = '4797777776'; // the shared MT test user, born 1923-03-01
const control = (path: string, body: unknown = {}) => emu.call('POST', `/devkit/v1${path}`, { anonymous: true, body });
const page = (path: string, fields: Record<string, string>) =>
  fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

/** A test user who turns `age` on the Oslo date `days` days from the emulator's now. */
async function userTurning(age: number, days: number): Promise<string> {
  const now = new Date((await emu.call('GET', '/devkit/v1/clock', { anonymous: true })).body.now);
  const birthday = osloDate(new Date(now.getTime() + days * 86_400_000));
  const birthDate = `${Number(birthday.slice(0, 4)) - age}${birthday.slice(4)}`;
  const user = await control('/users', { birthDate });
  expect(user.status, user.text).toBe(201);
  return user.body.phoneNumber;
}

describe('minimumUserAge', () => {
  it('create: a named customer younger than the limit is "Customer not found" and nothing is created', async () => {
    const over = await emu.createPayment({ customer: { phoneNumber: OLDEST }, minimumUserAge: 110 });
    expect(over.response.status).toBe(400);
    expect(over.response.body).toMatchObject({ title: 'Customer not found', detail: expect.stringContaining('at least 110 years old') });
    expect(over.response.body.extraDetails).toEqual(expect.arrayContaining([{ name: 'ErrorCode', reason: '7010' }, { name: 'minimumUserAge', reason: '110' }]));
    expect((await emu.call('GET', `/epayment/v1/payments/${over.reference}`)).status).toBe(404);
    expect((await emu.createPayment({ customer: { phoneNumber: OLDEST }, minimumUserAge: 100 })).response.status).toBe(201);
    expect((await emu.createPayment({ minimumUserAge: null })).response.status).toBe(201);
  });

  it('is an integer from 0: a string or a negative number is a 400 naming it', async () => {
    for (const bad of ['18', -1, 17.5]) {
      const res = (await emu.createPayment({ minimumUserAge: bad })).response;
      expect(res.status).toBe(400);
      expect(res.body.extraDetails.map((d: { name: string }) => d.name)).toContain('minimumUserAge');
    }
  });

  it('the app refuses an under-age user; the payment stays CREATED with no event, and an adult can still pay', async () => {
    const young = await userTurning(17, -30);
    const { reference, response } = await emu.createPayment({ minimumUserAge: 18 });
    const token = new URL(response.body.redirectUrl).searchParams.get('token')!;
    // The young user takes it on the landing page and tries to approve in the app, with the right PIN.
    expect((await page('/landing', { token, phoneNumber: young })).status).toBe(303);
    const refused = await page(`/app/${young}/requests/${token}/approve`, { pin: '1236' });
    expect(refused.status).toBe(400);
    const text = await refused.text();
    expect(text).toContain('Age limit: you must be at least 18 years old to pay this payment (you are 17)');
    // The control API (the same user action) refuses it the same way.
    const viaControl = await control(`/payments/${reference}/approve`, { phoneNumber: young });
    expect(viaControl.status).toBe(400);
    expect(viaControl.body).toMatchObject({ title: 'Customer not found', extraDetails: expect.arrayContaining([{ name: 'minimumUserAge', reason: '18' }, { name: 'userAge', reason: '17' }]) });

    const payment = await emu.call('GET', `/epayment/v1/payments/${reference}`);
    expect(payment.body.state).toBe('CREATED');
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).body.map((e: { name: string }) => e.name)).toEqual(['CREATED']);

    // Someone old enough pays it (the landing page lets someone else pay).
    const approved = await control(`/payments/${reference}/approve`, { phoneNumber: OLDEST });
    expect(approved.status, approved.text).toBe(200);
    expect((await emu.call('GET', `/epayment/v1/payments/${reference}/events`)).body.map((e: { name: string }) => e.name)).toEqual(['CREATED', 'AUTHORIZED']);
  });

  it('the user may reject after the refusal (ABORTED); force approve refuses an under-age customer too', async () => {
    const young = await userTurning(15, -1);
    const { reference } = await emu.createPayment({ minimumUserAge: 16 });
    expect((await control(`/payments/${reference}/approve`, { phoneNumber: young })).status).toBe(400);
    expect((await control(`/payments/${reference}/reject`, { phoneNumber: young })).body.state).toBe('ABORTED');

    const forced = await emu.createPayment({ minimumUserAge: 16 });
    const res = await emu.call('POST', `/epayment/v1/test/payments/${forced.reference}/approve`, { body: { customer: { phoneNumber: young } } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ title: 'Customer not found' });
    expect((await emu.call('POST', `/epayment/v1/test/payments/${forced.reference}/approve`, { body: { customer: { phoneNumber: OLDEST } } })).status).toBe(200);
  });

  it('the age turns on the birthday, Oslo time, on the emulator clock', async () => {
    const tomorrow = await userTurning(18, 1);
    const first = await emu.createPayment({ minimumUserAge: 18 });
    expect((await control(`/payments/${first.reference}/approve`, { phoneNumber: tomorrow })).status).toBe(400);
    await control('/clock/advance', { duration: '1d' });
    const token = await emu.fetchToken();
    const reference = `order-${randomUUID().slice(0, 12)}`;
    const second = await emu.call('POST', '/epayment/v1/payments', {
      idempotencyKey: randomUUID(),
      headers: { authorization: `Bearer ${token}` },
      body: { amount: { currency: 'NOK', value: 1000 }, paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://shop.example/return', minimumUserAge: 18 },
    });
    expect(second.status, second.text).toBe(201);
    expect((await control(`/payments/${reference}/approve`, { phoneNumber: tomorrow })).status).toBe(200);
  });
});
