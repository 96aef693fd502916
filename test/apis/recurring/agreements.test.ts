import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { activeAgreement, createCharge, draft, draftBody, PHONE, problemId, refreshingTokens } from './helpers.js';

let emu: TestEmulator;
beforeAll(async () => {
  emu = refreshingTokens(await startTestEmulator({ rateLimits: false }));
});
afterAll(async () => {
  await emu?.close();
});

const get = async (id: string) => (await emu.call('GET', `/recurring/v3/agreements/${id}`)).body;
const future = (days: number) => new Date(emu.ctx.clock.now().getTime() + days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

describe('Recurring agreements', () => {
  it('drafts every pricing type and campaign, PENDING with a confirmation URL and the documented fields', async () => {
    const legacy = await draft(emu);
    expect(legacy.status).toBe(201);
    expect(legacy.body).toMatchObject({ agreementId: expect.stringMatching(/^agr_[A-Za-z0-9]{7}$/), uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), chargeId: null });
    expect(legacy.body.vippsConfirmationUrl).toMatch(/\/landing\?token=/);
    const a = await get(legacy.body.agreementId);
    expect(a).toMatchObject({ status: 'PENDING', start: null, stop: null, pricing: { type: 'LEGACY', amount: 2500, currency: 'NOK' }, interval: { unit: 'MONTH', count: 1, text: 'every month' }, campaign: null, sub: null, userinfoUrl: null, countryCode: 'NO' });

    const variable = await draft(emu, { pricing: { type: 'VARIABLE', suggestedMaxAmount: 3000, currency: 'NOK' } });
    expect((await get(variable.body.agreementId)).pricing).toEqual({ type: 'VARIABLE', currency: 'NOK', suggestedMaxAmount: 3000, maxAmount: 3000 });

    const campaigns = [
      { type: 'PRICE_CAMPAIGN', price: 100, end: future(30) },
      { type: 'PERIOD_CAMPAIGN', price: 100, period: { unit: 'WEEK', count: 4 } },
      { type: 'EVENT_CAMPAIGN', price: 100, eventDate: future(60), eventText: 'until Christmas' },
      { type: 'FULL_FLEX_CAMPAIGN', price: 100, end: future(30), interval: { unit: 'WEEK', count: 2 } },
    ];
    for (const campaign of campaigns) {
      const d = await draft(emu, { campaign, initialCharge: { amount: 100, description: 'Activation', transactionType: 'DIRECT_CAPTURE' } });
      expect(d.status, d.text).toBe(201);
      expect(d.body.chargeId).toMatch(/^chr-/);
      const c = (await get(d.body.agreementId)).campaign;
      expect(c).toMatchObject({ type: campaign.type, price: 100, explanation: expect.any(String) });
      if (campaign.type === 'PERIOD_CAMPAIGN') expect(c.end).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
  });

  it('refuses what the rules forbid, in Recurring\'s own problem shape', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ pricing: { type: 'LEGACY', currency: 'NOK' } }, 400, 'validation-error'],
      [{ pricing: { type: 'VARIABLE', currency: 'NOK' } }, 400, 'invalid-suggested-max-amount'],
      [{ pricing: { type: 'VARIABLE', suggestedMaxAmount: 3000, currency: 'NOK' }, campaign: { type: 'PRICE_CAMPAIGN', price: 100, end: future(3) } }, 400, 'validation-error'],
      [{ campaign: { type: 'PRICE_CAMPAIGN', price: 100, end: '2020-01-01T00:00:00Z' } }, 400, 'validation-error'],
      [{ campaign: { type: 'EVENT_CAMPAIGN', price: 100 } }, 400, 'validation-error'],
      [{ merchantAgreementUrl: 'http://example.com/a' }, 400, 'validation-error'],
      [{ scope: 'name shoeSize' }, 400, 'validation-error'],
      [{ productName: 'x'.repeat(46) }, 400, 'validation-error'],
    ];
    for (const [overrides, status, id] of cases) {
      const r = await draft(emu, overrides);
      expect(r.status, JSON.stringify(overrides)).toBe(status);
      expect(r.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(problemId(r), r.text).toBe(id);
      expect(r.body).toMatchObject({ title: expect.any(String), status, detail: expect.any(String), instance: '/recurring/v3/agreements', contextId: expect.any(String) });
    }
  });

  it('refuses skipLandingPage for a sales unit that is not whitelisted (403), allows it for one that is', async () => {
    const other = await emu.call('POST', '/devkit/v1/merchants', { body: { allowSkipLandingPage: false } });
    const token = await emu.fetchToken({ ...other.body });
    const headers = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': other.body.subscriptionKey, 'merchant-serial-number': other.body.msn };
    const refused = await emu.call('POST', '/recurring/v3/agreements', { idempotencyKey: newKey(), body: draftBody({ skipLandingPage: true }), headers });
    expect(refused.status).toBe(403);
    expect(problemId(refused)).toBe('invalid-sale-unit');
    expect((await draft(emu, { skipLandingPage: true })).status).toBe(201);
  });

  it('replays an Idempotency-Key, refuses it on another request, and requires a valid one', async () => {
    const key = newKey();
    const first = await emu.call('POST', '/recurring/v3/agreements', { idempotencyKey: key, body: draftBody() });
    const again = await emu.call('POST', '/recurring/v3/agreements', { idempotencyKey: key, body: draftBody() });
    expect(again.status).toBe(201);
    expect(again.body.agreementId).toBe(first.body.agreementId);
    const other = await emu.call('POST', '/recurring/v3/agreements', { idempotencyKey: key, body: draftBody({ productName: 'Other' }) });
    expect(other.status).toBe(409);
    expect(problemId(other)).toBe('idempotency-conflict');
    for (const bad of [undefined, 'a#b', 'x'.repeat(41), 'a/b']) {
      const r = await emu.call('POST', '/recurring/v3/agreements', { body: draftBody(), headers: { 'idempotency-key': bad } });
      expect(r.status).toBe(400);
      expect(problemId(r)).toBe('idempotency-key-header');
    }
  });

  it('force accept activates with the initial charge taken: DIRECT_CAPTURE charged, RESERVE_CAPTURE reserved', async () => {
    const direct = await draft(emu, { initialCharge: { amount: 4900, description: 'First month', transactionType: 'DIRECT_CAPTURE', orderId: `init-${Date.now()}` } });
    expect(direct.body.chargeId).toMatch(/^init-/);
    const accepted = await emu.call('PATCH', `/recurring/v3/agreements/${direct.body.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: PHONE } });
    expect(accepted.status).toBe(204);
    expect(await get(direct.body.agreementId)).toMatchObject({ status: 'ACTIVE', start: expect.any(String) });
    const charges = (await emu.call('GET', `/recurring/v3/agreements/${direct.body.agreementId}/charges`)).body;
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ id: direct.body.chargeId, type: 'INITIAL', status: 'CHARGED', summary: { captured: 4900, refunded: 0, cancelled: 0 }, transactionId: expect.stringMatching(/^\d{10}$/) });

    const reserve = await draft(emu, { initialCharge: { amount: 4900, description: 'First month', transactionType: 'RESERVE_CAPTURE' } });
    await emu.call('PATCH', `/recurring/v3/agreements/${reserve.body.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: PHONE } });
    const initial = (await emu.call('GET', `/recurring/v3/agreements/${reserve.body.agreementId}/charges/${reserve.body.chargeId}`)).body;
    expect(initial).toMatchObject({ status: 'RESERVED', transactionType: 'RESERVE_CAPTURE' });

    // Accepting twice: the agreement is no longer PENDING.
    const twice = await emu.call('PATCH', `/recurring/v3/agreements/${reserve.body.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: PHONE } });
    expect(twice.status).toBe(409);
    const nobody = await emu.call('PATCH', `/recurring/v3/agreements/${(await draft(emu)).body.agreementId}/accept`, { idempotencyKey: newKey(), body: { phoneNumber: '4700000000' } });
    expect(nobody.status).toBe(400);
  });

  it('gives the sub and userinfoUrl of an agreement with a profile scope once active, and the Userinfo API answers for it', async () => {
    const id = await activeAgreement(emu, { scope: 'name email' });
    const a = await get(id);
    expect(a.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.userinfoUrl).toBe(`${emu.url}/vipps-userinfo-api/userinfo/${a.sub}`);
    const info = await emu.call('GET', `/vipps-userinfo-api/userinfo/${a.sub}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ sub: a.sub, email: expect.any(String), name: expect.any(String) });
  });

  it('PATCH changes an active agreement; STOPPED is alone, final, and cancels the open charges', async () => {
    const id = await activeAgreement(emu);
    const patch = (body: unknown) => emu.call('PATCH', `/recurring/v3/agreements/${id}`, { idempotencyKey: newKey(), body });
    expect((await patch({ productName: 'Plus', pricing: { amount: 3900 }, interval: { type: 'RECURRING', period: { unit: 'WEEK', count: 2 } } })).status).toBe(204);
    expect(await get(id)).toMatchObject({ productName: 'Plus', pricing: { amount: 3900 }, interval: { unit: 'WEEK', count: 2, text: 'every 2 weeks' } });
    const wrongPricing = await patch({ pricing: { suggestedMaxAmount: 5000 } });
    expect(wrongPricing.status).toBe(400);

    const charge = await createCharge(emu, id, {});
    expect(charge.status).toBe(201);
    const mixed = await patch({ status: 'STOPPED', productName: 'x' });
    expect(mixed.status).toBe(400);
    expect((await patch({ status: 'STOPPED' })).status).toBe(204);
    expect(await get(id)).toMatchObject({ status: 'STOPPED', stop: expect.any(String) });
    const c = (await emu.call('GET', `/recurring/v3/agreements/${id}/charges/${charge.body.chargeId}`)).body;
    expect(c).toMatchObject({ status: 'CANCELLED', summary: { cancelled: 2500 } });
    const again = await patch({ productName: 'Back' });
    expect(again.status).toBe(400);
    expect(problemId(again)).toBe('illegal-agreement-update');
    const newCharge = await createCharge(emu, id, {});
    expect(newCharge.status).toBe(409);
    expect(problemId(newCharge)).toBe('charge-creation-failed');
  });

  it('expires a draft nobody answers within 10 minutes on the emulator clock, cancelling its initial charge', async () => {
    const d = await draft(emu, { initialCharge: { amount: 1000, description: 'Start', transactionType: 'DIRECT_CAPTURE' } });
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '9m' } });
    expect((await get(d.body.agreementId)).status).toBe('PENDING');
    await emu.call('POST', '/devkit/v1/clock/advance', { body: { duration: '2m' } });
    expect((await get(d.body.agreementId)).status).toBe('EXPIRED');
    const initial = (await emu.call('GET', `/recurring/v3/charges/${d.body.chargeId}`)).body;
    expect(initial).toMatchObject({ status: 'CANCELLED', agreementId: d.body.agreementId });
  });

  it('lists one status at a time (ACTIVE by default), after createdAfter, in Continuation-Token pages', async () => {
    const fresh = await startTestEmulator({ rateLimits: false });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 7; i += 1) ids.push(await activeAgreement(fresh));
      const pending = (await draft(fresh)).body.agreementId;
      const all = await fresh.call('GET', '/recurring/v3/agreements');
      expect(all.body.map((a: { id: string }) => a.id)).toEqual(ids);
      expect(all.headers.get('continuation-token')).toBeNull();
      expect((await fresh.call('GET', '/recurring/v3/agreements?status=PENDING')).body.map((a: { id: string }) => a.id)).toEqual([pending]);

      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await fresh.call('GET', '/recurring/v3/agreements?pageSize=3', { headers: token ? { 'continuation-token': token } : {} });
        expect(page.status).toBe(200);
        seen.push(...page.body.map((a: { id: string }) => a.id));
        token = page.headers.get('continuation-token') ?? undefined;
        if (token) expect(token).toMatch(/^[0-9a-f-]{36}$/);
        pages += 1;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(ids);

      const byNumber = await fresh.call('GET', '/recurring/v3/agreements?pageNumber=2&pageSize=3');
      expect(byNumber.body.map((a: { id: string }) => a.id)).toEqual(ids.slice(3, 6));
      const third = (await fresh.call('GET', `/recurring/v3/agreements/${ids[3]}`)).body;
      const after = await fresh.call('GET', `/recurring/v3/agreements?createdAfter=${Date.parse(third.created)}`);
      expect(after.body.map((a: { id: string }) => a.id)).toEqual(ids.slice(4));
      const bogus = await fresh.call('GET', '/recurring/v3/agreements', { headers: { 'continuation-token': '5f0c8f36-3a35-4e2b-9e7e-2f4f3f0e9c11' } });
      expect(bogus.status).toBe(400);
    } finally {
      await fresh.close();
    }
  });

  it('has the documented rate limits: ListAgreements 5 a minute per sales unit, answered 429 in Recurring\'s shape', async () => {
    const limited = await startTestEmulator();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i += 1) statuses.push((await limited.call('GET', '/recurring/v3/agreements')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const over = await limited.call('GET', '/recurring/v3/agreements');
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(over.headers.get('content-type')).toBe('application/json;charset=UTF-8');
      expect(over.body).toMatchObject({ status: 429, instance: '/recurring/v3/agreements' });
      await limited.call('POST', '/devkit/v1/clock/advance', { body: { duration: '61s' } });
      expect((await limited.call('GET', '/recurring/v3/agreements')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('QR and push flows: the QR API makes a one-time QR of the confirmation URL; skipLandingPage puts the agreement straight into the user\'s app', async () => {
    const d = await draft(emu);
    const qr = await emu.call('POST', '/qr/v1', { body: { url: d.body.vippsConfirmationUrl }, headers: { accept: 'text/targetUrl' } });
    expect(qr.status, qr.text).toBe(200);
    expect(qr.body.url).toBe(d.body.vippsConfirmationUrl);
    const pushed = await draft(emu, { skipLandingPage: true, phoneNumber: '4746123456' });
    const app = await emu.call('GET', '/app/4746123456', { anonymous: true });
    expect(app.text).toContain(`data-reference="${pushed.body.agreementId}"`);
  });

  it('answers unknown agreements with 404 resource-not-found', async () => {
    const r = await emu.call('GET', '/recurring/v3/agreements/agr_nosuch1');
    expect(r.status).toBe(404);
    expect(problemId(r)).toBe('resource-not-found');
  });

  it('finds the agreement of a confirmation link by the key its token carries, with no index over tokens; older tokens still open', async () => {
    const d = await draft(emu);
    const token = new URL(d.body.vippsConfirmationUrl as string).searchParams.get('token')!;
    // rcr_, a 16-byte secret, then msn:id (decision 240): the landing page looks the agreement up by primary key.
    expect(Buffer.from(token.slice(4 + 22), 'base64url').toString()).toBe(`${emu.merchant.msn}:${d.body.agreementId}`);
    const landing = async (t: string) => (await fetch(`${emu.url}/landing?token=${encodeURIComponent(t)}`, { headers: { accept: 'text/html' } })).status;
    expect(await landing(token)).toBe(200);
    // The key part says where to look; the whole token must match (another secret is not this link).
    expect(await landing(`rcr_${'A'.repeat(22)}${token.slice(4 + 22)}`)).toBe(404);
    // No index (unique or not) over the random tokens: every draft would write one scattered B-tree page more.
    const indexed = await sql<{ name: string }>`select il.name from pragma_index_list('recurring_agreements') il join pragma_index_info(il.name) ii where ii.name = 'token'`.execute(emu.ctx.database.db);
    expect(indexed.rows).toEqual([]);
    // A link minted before tokens carried their key (rcr_ + 24 random bytes) is found by a scan.
    const other = await draft(emu);
    const legacy = `rcr_${'b'.repeat(32)}`;
    await emu.ctx.database.commands.run(async (trx) => {
      const row = await trx.selectFrom('recurring_agreements').select('document').where('id', '=', other.body.agreementId).executeTakeFirstOrThrow();
      const doc = { ...JSON.parse(row.document), token: legacy };
      await trx.updateTable('recurring_agreements').set({ token: legacy, document: JSON.stringify(doc) }).where('id', '=', other.body.agreementId).execute();
    });
    expect(await landing(legacy)).toBe(200);
  });
});
