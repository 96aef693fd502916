import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

const register = (body: unknown, headers: Record<string, string | undefined> = {}) => emu.call('POST', '/webhooks/v1/webhooks', { body, headers });

describe('Webhooks API v1', () => {
  it('registers, lists without the secret, and deletes', async () => {
    const created = await register({ url: 'https://shop.example/hooks', events: ['epayments.payment.captured.v1', 'epayments.payment.created.v1'] });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.secret).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const list = await emu.call('GET', '/webhooks/v1/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.webhooks).toContainEqual({ id: created.body.id, url: 'https://shop.example/hooks', events: ['epayments.payment.captured.v1', 'epayments.payment.created.v1'] });
    expect(list.text).not.toContain(created.body.secret);
    const deleted = await emu.call('DELETE', `/webhooks/v1/webhooks/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await emu.call('GET', '/webhooks/v1/webhooks')).body.webhooks.map((w: any) => w.id)).not.toContain(created.body.id);
    expect((await emu.call('DELETE', `/webhooks/v1/webhooks/${created.body.id}`)).status).toBe(404);
  });

  it('accepts http://localhost and http://127.0.0.1 targets (real MT does not)', async () => {
    for (const url of ['http://localhost:3000/hooks', 'http://127.0.0.1:8080/vipps']) {
      const res = await register({ url, events: ['epayments.payment.authorized.v1'] });
      expect(res.status).toBe(201);
      await emu.call('DELETE', `/webhooks/v1/webhooks/${res.body.id}`);
    }
  });

  it('refuses bad input with a ProblemDetails body naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ url: 'http://shop.example/hooks', events: ['epayments.payment.created.v1'] }, 'url'],
      [{ url: 'not a url', events: ['epayments.payment.created.v1'] }, 'url'],
      [{ url: 'https://shop.example/hooks', events: ['epayments.payment.teleported.v1'] }, 'events'],
      [{ url: 'https://shop.example/hooks', events: [] }, 'events'],
      [{ url: 'https://shop.example/hooks' }, 'events'],
      [{ url: 'https://shop.example/hooks', events: ['epayments.payment.created.v1'], colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const res = await register(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.extraDetails.map((d: any) => d.name)).toContain(field);
    }
    expect((await emu.call('DELETE', '/webhooks/v1/webhooks/not-a-uuid')).status).toBe(400);
  });

  it('allows at most 5 webhooks per event type', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await register({ url: `https://shop.example/hooks/${i}`, events: ['epayments.payment.refunded.v1'] });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const sixth = await register({ url: 'https://shop.example/hooks/6', events: ['epayments.payment.refunded.v1'] });
    expect(sixth.status).toBe(400);
    expect(sixth.body.extraDetails[0].reason).toContain('At most 5');
    for (const id of ids) await emu.call('DELETE', `/webhooks/v1/webhooks/${id}`);
  });

  it('is authenticated like every API, with Merchant-Serial-Number optional', async () => {
    expect((await register({ url: 'https://shop.example/h', events: ['epayments.payment.created.v1'] }, { authorization: undefined })).status).toBe(401);
    const noMsn = await register({ url: 'https://shop.example/h', events: ['epayments.payment.created.v1'] }, { 'merchant-serial-number': undefined });
    expect(noMsn.status).toBe(201);
    // Another merchant does not see (or delete) this merchant's webhooks.
    const other = await emu.call('POST', '/devkit/v1/merchants', { body: { name: 'Other' } });
    const m = emu.ctx.merchants.get(other.body.msn)!;
    const token = await emu.fetchToken(m);
    const headers = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': m.subscriptionKey, 'merchant-serial-number': m.msn };
    expect((await emu.call('GET', '/webhooks/v1/webhooks', { headers })).body.webhooks).toEqual([]);
    expect((await emu.call('DELETE', `/webhooks/v1/webhooks/${noMsn.body.id}`, { headers })).status).toBe(404);
  });
});
