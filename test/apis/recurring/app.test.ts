/**
 * Recurring in the simulated app, over real HTTP: an active agreement's charges (upcoming,
 * charged, failed; not the ones scheduled far ahead), a notification for every failed attempt, and
 * a deleted test user's agreements stopped (by ADMIN, open charges cancelled, webhooks sent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/testing/index.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { activeAgreement, charge, createCharge, dateIn, draft, refreshingTokens } from './helpers.js';

let emu: TestEmulator;
let hooks: WebhookReceiver;
beforeAll(async () => {
  emu = refreshingTokens(await startTestEmulator({ rateLimits: false }));
  hooks = await startWebhookReceiver();
  const registered = await emu.call('POST', '/webhooks/v1/webhooks', { body: { url: hooks.url, events: ['recurring.agreement-stopped.v1', 'recurring.charge-canceled.v1'] } });
  expect(registered.status, registered.text).toBe(201);
  hooks.secret = registered.body.secret;
});
afterAll(async () => {
  await hooks?.close();
  await emu?.close();
});

/** A test user of one's own, so that no other test's agreements show in the app. */
async function newUser(): Promise<string> {
  const r = await emu.call('POST', '/devkit/v1/users', { body: {}, anonymous: true });
  expect(r.status, r.text).toBe(201);
  return r.body.phoneNumber as string;
}

/** The clock to an instant (UTC) on the emulator's calendar; the calendar has caught up when it answers. */
async function clockTo(iso: string) {
  const by = Date.parse(iso) - emu.ctx.clock.now().getTime();
  expect(by).toBeGreaterThan(0);
  const r = await emu.call('POST', '/devkit/v1/clock/advance', { body: { milliseconds: by }, anonymous: true });
  expect(r.status, r.text).toBe(200);
}

const appPage = async (phone: string) => {
  const res = await fetch(`${emu.url}/app/${phone}`);
  expect(res.status).toBe(200);
  return res.text();
};
/** The charges listed under an agreement in the app: id → status. */
const listedCharges = (page: string, agreementId: string) => {
  const item = new RegExp(`<li data-reference="${agreementId}"[\\s\\S]*?</li>`).exec(page)?.[0] ?? '';
  return Object.fromEntries([...item.matchAll(/data-charge="([^"]+)" data-status="([^"]+)"/g)].map((m) => [m[1], m[2]]));
};
const notificationsOf = (page: string) =>
  [...page.matchAll(/<li data-testid="notification" data-reference="([^"]+)" data-charge="([^"]+)" data-final="(true|false)"><span>([^<]*)</g)].map((m) => ({ agreement: m[1], charge: m[2], final: m[3] === 'true', text: m[4]! }));

describe('Recurring in the simulated app', () => {
  it("lists an active agreement's charges (upcoming, charged, failed) and notifies the user of every failed attempt", async () => {
    const phone = await newUser();
    const a = await activeAgreement(emu, { phoneNumber: phone, productName: 'Daily paper' }, phone);
    const due = dateIn(emu, 1);
    expect((await createCharge(emu, a, { orderId: 'app-january', description: 'January', due, retryDays: 0 })).status).toBe(201);
    // 1.51 kr: the test amount for insufficient funds; tried on the due date and the day after.
    expect((await createCharge(emu, a, { orderId: 'app-failing', description: 'Extra', amount: 151, due, retryDays: 1 })).status).toBe(201);
    expect((await createCharge(emu, a, { orderId: 'app-february', description: 'February', due: dateIn(emu, 10) })).status).toBe(201);
    // Due in 60 days: PENDING, not in the app yet.
    expect((await createCharge(emu, a, { orderId: 'app-later', description: 'Later', due: dateIn(emu, 60) })).status).toBe(201);

    let page = await appPage(phone);
    expect(listedCharges(page, a)).toEqual({ 'app-january': 'upcoming', 'app-failing': 'upcoming', 'app-february': 'upcoming' });
    expect(notificationsOf(page)).toEqual([]);

    // The due date's runs are over: January charged; the failing one failed at 07:00 (the 15:00 run finds the cause still there).
    await clockTo(`${due}T18:00:00Z`);
    expect((await charge(emu, a, 'app-failing')).status).toBe('DUE');
    page = await appPage(phone);
    expect(listedCharges(page, a)).toEqual({ 'app-failing': 'upcoming', 'app-february': 'upcoming', 'app-january': 'charged' });
    expect(page).toMatch(/data-charge="app-failing" data-status="upcoming">[\s\S]*?failed, next try \d{4}-\d{2}-\d{2} 07:00 UTC/);
    const first = notificationsOf(page);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ agreement: a, charge: 'app-failing', final: false });
    expect(first[0]!.text).toContain('Daily paper – Extra failed. Check your card and balance: it is tried again');
    expect(first[0]!.text).toContain('1,51 kr');

    // The last day: failed again at 07:00, FAILED at 15:00; the second notification says it is over.
    await clockTo(`${dateIn(emu, 1)}T18:00:00Z`);
    expect((await charge(emu, a, 'app-failing')).status).toBe('FAILED');
    page = await appPage(phone);
    expect(listedCharges(page, a)['app-failing']).toBe('failed');
    const both = notificationsOf(page);
    expect(both.map((n) => [n.charge, n.final])).toEqual([['app-failing', true], ['app-failing', false]]);
    expect(both[0]!.text).toContain('insufficient funds or a card problem). It will not be tried again.');
    expect(both[1]!.text).toContain('It was tried again.');
  });

  it("deleting the test user stops their active agreements (actor ADMIN) and cancels the open charges; others' agreements run on", async () => {
    const phone = await newUser();
    const other = await newUser();
    const mine = await activeAgreement(emu, { phoneNumber: phone }, phone);
    const theirs = await activeAgreement(emu, { phoneNumber: other }, other);
    expect((await createCharge(emu, mine, { orderId: 'del-open', due: dateIn(emu, 3) })).status).toBe(201);
    const pending = (await draft(emu, { phoneNumber: phone })).body.agreementId as string;

    const deleted = await emu.call('DELETE', `/devkit/v1/users/${phone}`, { anonymous: true });
    expect(deleted.status, deleted.text).toBe(204);

    expect((await emu.call('GET', `/recurring/v3/agreements/${mine}`)).body).toMatchObject({ status: 'STOPPED', stop: expect.any(String) });
    expect(await charge(emu, mine, 'del-open')).toMatchObject({ status: 'CANCELLED', summary: { cancelled: 2500 } });
    expect((await emu.call('GET', `/recurring/v3/agreements/${theirs}`)).body.status).toBe('ACTIVE');
    // A draft sent to the number was never the user's: it waits (and expires) as before.
    expect((await emu.call('GET', `/recurring/v3/agreements/${pending}`)).body.status).toBe('PENDING');

    const stopped = await hooks.waitFor((w) => w.json?.eventType === 'recurring.agreement-stopped.v1' && w.json?.agreementId === mine);
    expect(stopped).toMatchObject({ verified: true, json: { actor: 'ADMIN' } });
    const cancelled = await hooks.waitFor((w) => w.json?.eventType === 'recurring.charge-canceled.v1' && w.json?.chargeId === 'del-open');
    expect(cancelled).toMatchObject({ verified: true, json: { actor: 'ADMIN', amountCanceled: 2500 } });
    expect(hooks.received.some((w) => w.json?.agreementId === theirs)).toBe(false);

    // The user is gone, and so is their app.
    expect((await fetch(`${emu.url}/app/${phone}`)).status).toBe(404);
    // Deleting again: 404, nothing more happens.
    expect((await emu.call('DELETE', `/devkit/v1/users/${phone}`, { anonymous: true })).status).toBe(404);
  });
});
