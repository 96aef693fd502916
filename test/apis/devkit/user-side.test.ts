import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidNin } from '../../../src/platform/nin.js';
import { TEST_AMOUNTS } from '../../../src/platform/test-amounts.js';
import { http, newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const nok = (value: number) => ({ currency: 'NOK', value });
const control = (method: string, path: string, body?: unknown) => emu.call(method, path, { anonymous: true, ...(body === undefined ? {} : { body }) });
const decide = (reference: string, decision: 'approve' | 'reject', body?: unknown) => control('POST', `/devkit/v1/payments/${reference}/${decision}`, body ?? {});
const get = (reference: string) => emu.call('GET', `/epayment/v1/payments/${reference}`);
const events = (reference: string) => emu.call('GET', `/epayment/v1/payments/${reference}/events`);

describe('test users (/devkit/v1/users)', () => {
  it('seeds the shared MT user first and realistic users with valid national identity numbers', async () => {
    const res = await control('GET', '/devkit/v1/users');
    expect(res.status).toBe(200);
    const users = res.body.users as any[];
    expect(users[0]).toMatchObject({ phoneNumber: '4797777776', nin: '01032300371', name: 'Willhelm Fos Kluvstad' });
    expect(users.length).toBeGreaterThanOrEqual(5);
    for (const u of users) {
      expect(u.phoneNumber).toMatch(/^47\d{8}$/);
      expect(isValidNin(u.nin), u.nin).toBe(true);
      expect(u.email).toMatch(/^[^@\s]+@[^@\s]+$/);
      expect(u.address).toMatchObject({ streetAddress: expect.any(String), postalCode: expect.stringMatching(/^\d{4}$/), city: expect.any(String), country: 'NO' });
    }
    expect(users.map((u) => u.phoneNumber)).toContain('4791234567');
  });

  it('creates a user with a generated valid NIN, finds it, refuses a duplicate phone, deletes it', async () => {
    const created = await control('POST', '/devkit/v1/users', { phoneNumber: '4740000001', givenName: 'Test', familyName: 'Person', birthDate: '1999-12-31' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ phoneNumber: '4740000001', name: 'Test Person', birthDate: '1999-12-31' });
    expect(created.body.nin).toMatch(/^311299\d{5}$/);
    expect(isValidNin(created.body.nin)).toBe(true);

    expect((await control('GET', '/devkit/v1/users/4740000001')).body.nin).toBe(created.body.nin);
    const dup = await control('POST', '/devkit/v1/users', { phoneNumber: '4740000001' });
    expect(dup.status).toBe(409);
    expect(dup.headers.get('content-type')).toMatch(/problem\+json/);

    // The new user can be a payment's customer at once.
    const { response } = await emu.createPayment({ customer: { phoneNumber: '4740000001' } });
    expect(response.status).toBe(201);

    expect((await control('DELETE', '/devkit/v1/users/4740000001')).status).toBe(204);
    expect((await control('GET', '/devkit/v1/users/4740000001')).status).toBe(404);
    expect((await control('DELETE', '/devkit/v1/users/4740000001')).status).toBe(404);
    const after = await emu.createPayment({ customer: { phoneNumber: '4740000001' } });
    expect(after.response.status).toBe(400);
    expect(after.response.body.title).toBe('Customer not found');
  });

  it('creates a user from nothing, and takes the birth date from a given NIN', async () => {
    const generated = await control('POST', '/devkit/v1/users');
    expect(generated.status).toBe(201);
    expect(generated.body.phoneNumber).toMatch(/^47[49]\d{7}$/);
    expect(isValidNin(generated.body.nin)).toBe(true);

    const fromNin = await control('POST', '/devkit/v1/users', { nin: '15068527020', phoneNumber: '4740000002' });
    expect(fromNin.status).toBe(201);
    expect(fromNin.body.birthDate).toBe('1985-06-15');
  });

  it('refuses bad input with a clear 400', async () => {
    const cases: Array<[unknown, string]> = [
      [{ nin: '01032300372' }, 'nin'], // wrong second control digit
      [{ nin: '12345' }, 'nin'],
      [{ nin: '01032300371', birthDate: '1990-01-01' }, 'birthDate'],
      [{ birthDate: '2020-02-30' }, 'birthDate'],
      [{ phoneNumber: '+4712345678' }, 'phoneNumber'],
      [{ email: 'not-an-email' }, 'email'],
      [{ favouriteColour: 'orange' }, 'favouriteColour'],
    ];
    for (const [body, name] of cases) {
      const res = await control('POST', '/devkit/v1/users', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(JSON.stringify(res.body.extraDetails)).toContain(name);
    }
    expect((await control('GET', '/devkit/v1/users/abc')).status).toBe(400);
  });
});

describe('approve and reject as a user (/devkit/v1/payments/{reference}/approve|reject)', () => {
  it('approves as the payment customer; the payment is AUTHORIZED with a successful event', async () => {
    const { reference } = await emu.createPayment({ customer: { phoneNumber: '4791234567' } });
    const res = await decide(reference, 'approve');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ reference, state: 'AUTHORIZED', msn: emu.merchant.msn, phoneNumber: '4791234567' });
    expect((await get(reference)).body.aggregate.authorizedAmount).toEqual(nok(1000));
    const log = (await events(reference)).body as any[];
    expect(log.map((e) => [e.name, e.success])).toEqual([['CREATED', true], ['AUTHORIZED', true]]);
    // Twice is refused as the real API words it.
    const again = await decide(reference, 'approve');
    expect(again.status).toBe(400);
    expect(again.body.title).toBe('Payment is already reserved');
  });

  it('rejects: the payment is ABORTED; approving afterwards fails', async () => {
    const { reference } = await emu.createPayment();
    const res = await decide(reference, 'reject', { phoneNumber: '4793456789' });
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('ABORTED');
    expect((await get(reference)).body.state).toBe('ABORTED');
    expect(((await events(reference)).body as any[]).map((e) => e.name)).toEqual(['CREATED', 'ABORTED']);
    expect((await decide(reference, 'approve')).status).toBe(400);
  });

  it('defaults to the first test user when the payment has no customer', async () => {
    const { reference } = await emu.createPayment();
    const res = await decide(reference, 'approve', null);
    expect(res.status).toBe(200);
    expect(res.body.phoneNumber).toBe('4797777776');
  });

  it('every documented test amount fails with its reason; state stays CREATED, an unsuccessful event is logged', async () => {
    expect([...TEST_AMOUNTS.keys()]).toEqual([151, 182, 183, 184, 186, 187, 197, 201, 202]);
    for (const [value, outcome] of TEST_AMOUNTS) {
      const { reference, response } = await emu.createPayment({ amount: nok(value) });
      expect(response.status).toBe(201);
      const res = await decide(reference, 'approve');
      expect({ value, status: res.status, title: res.body.title }).toEqual({ value, status: 402, title: outcome.reason });
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.extraDetails).toContainEqual({ name: 'testAmount', reason: String(value) });
      const payment = (await get(reference)).body;
      expect(payment.state).toBe('CREATED');
      expect(payment.aggregate.authorizedAmount).toEqual(nok(0));
      const log = (await events(reference)).body as any[];
      expect(log.map((e) => [e.name, e.success])).toEqual([['CREATED', true], ['AUTHORIZED', false]]);
      // Capture is still refused: nothing was reserved.
      const capture = await emu.call('POST', `/epayment/v1/payments/${reference}/capture`, { idempotencyKey: newKey(), body: { modificationAmount: nok(value) } });
      expect(capture.body.title).toBe('Cannot capture before reservation');
    }
  });

  it('the user can give up on a failing test amount: reject aborts it', async () => {
    const { reference } = await emu.createPayment({ amount: nok(151) });
    expect((await decide(reference, 'approve')).status).toBe(402);
    expect((await decide(reference, 'approve')).status).toBe(402);
    expect((await decide(reference, 'reject')).body.state).toBe('ABORTED');
    expect(((await events(reference)).body as any[]).map((e) => `${e.name}:${e.success}`)).toEqual(['CREATED:true', 'AUTHORIZED:false', 'AUTHORIZED:false', 'ABORTED:true']);
  });

  it('force approve ignores test amounts', async () => {
    const { reference } = await emu.createPayment({ amount: nok(151) });
    const forced = await emu.call('POST', `/epayment/v1/test/payments/${reference}/approve`, { body: { customer: { phoneNumber: '4797777776' } } });
    expect(forced.status).toBe(200);
    expect((await get(reference)).body.state).toBe('AUTHORIZED');
  });

  it('needs msn when two merchants share a reference', async () => {
    const second = await control('POST', '/devkit/v1/merchants', { name: 'Other shop', msn: '777001' });
    expect(second.status).toBe(201);
    const other = emu.ctx.merchants.get('777001')!;
    const otherToken = await emu.fetchToken(other);
    const reference = `shared-${newKey().slice(0, 8)}`;
    await emu.createPayment({ reference });
    const created = await http(`${emu.url}/epayment/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${otherToken}`, 'ocp-apim-subscription-key': other.subscriptionKey, 'merchant-serial-number': other.msn, 'idempotency-key': newKey(), 'content-type': 'application/json' },
      body: JSON.stringify({ amount: nok(500), paymentMethod: { type: 'WALLET' }, reference, userFlow: 'WEB_REDIRECT', returnUrl: 'https://other.example/r' }),
    });
    expect(created.status).toBe(201);
    const ambiguous = await decide(reference, 'approve');
    expect(ambiguous.status).toBe(409);
    const res = await decide(reference, 'approve', { msn: '777001' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ msn: '777001', state: 'AUTHORIZED', amount: nok(500) });
    expect((await get(reference)).body.state).toBe('CREATED'); // the seeded merchant's payment is untouched
  });

  it('PUSH_MESSAGE payments can only be decided by their customer', async () => {
    const { reference } = await emu.createPayment({ userFlow: 'PUSH_MESSAGE', customer: { phoneNumber: '4746123456' }, returnUrl: undefined });
    expect((await decide(reference, 'approve', { phoneNumber: '4791234567' })).status).toBe(400);
    const res = await decide(reference, 'approve');
    expect(res.body).toMatchObject({ state: 'AUTHORIZED', phoneNumber: '4746123456' });
  });

  it('answers bad input with a 4xx Problem, never a 500', async () => {
    const { reference } = await emu.createPayment();
    const cases: Array<[string, unknown, number]> = [
      ['no-such-reference', {}, 404],
      [reference, { phoneNumber: '12' }, 400],
      [reference, { phoneNumber: '4700000000' }, 404],
      [reference, { msn: 'abc' }, 400],
      [reference, { extra: true }, 400],
      [reference, [], 400],
      ['bad_ref!', {}, 400],
    ];
    for (const [ref, body, status] of cases) {
      const res = await decide(ref, 'approve', body);
      expect({ ref, body, status: res.status }).toEqual({ ref, body, status });
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const broken = await emu.call('POST', `/devkit/v1/payments/${reference}/approve`, { anonymous: true, rawBody: '{"phoneNumber":' });
    expect(broken.status).toBe(400);
    // An expired payment cannot be approved.
    await control('POST', '/devkit/v1/clock/advance', { duration: '11m' });
    const late = await decide(reference, 'approve');
    expect(late.status).toBe(400);
    expect((await get(reference)).body.state).toBe('EXPIRED');
  });
});
