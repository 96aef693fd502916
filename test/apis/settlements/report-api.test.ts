/**
 * The Report API's paging, feed, v1 modes, authorization per merchant and errors, over a real port;
 * and the store's streaming of a settlement's lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodReportData, settlementReportData } from '../../../src/apis/settlements/report-data.js';
import { settlementStore } from '../../../src/apis/settlements/store.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { closeToday, report } from './helpers.js';

let emu: TestEmulator;
let ledgerId: string;
let date: string;
const COUNT = 1_203;

beforeAll(async () => {
  emu = await startTestEmulator();
  const msn = emu.merchant.msn;
  for (let i = 0; i < COUNT; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, COUNT - i) }, (_, j) =>
        emu.call('POST', `/devkit/v1/settlements/units/${msn}/transactions`, { body: { kind: 'capture', amount: 100_00 + i + j, reference: `order-${i + j}` } }),
      ),
    );
  }
  await emu.call('POST', `/devkit/v1/settlements/units/${msn}/transactions`, { body: { kind: 'refund', amount: 50_00, reference: 'order-0' } });
  date = await closeToday(emu);
  ledgerId = (await report(emu, '/settlement/v1/ledgers')).body.items[0].ledgerId;
}, 120_000);
afterAll(async () => emu.close());

describe('Report API v2', () => {
  it('pages a date by 1000 with a cursor and hasMore, the last page without a cursor', async () => {
    const first = await report(emu, `/report/v2/ledgers/${ledgerId}/funds/dates/${date}`);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ hasMore: true, cursor: expect.any(String) });
    expect(first.body.items).toHaveLength(1000);
    const second = await report(emu, `/report/v2/ledgers/${ledgerId}/funds/dates/${date}?cursor=${encodeURIComponent(first.body.cursor)}`);
    expect(second.body.hasMore).toBe(false);
    expect(second.body.cursor).toBeUndefined();
    const all = [...first.body.items, ...second.body.items];
    // Captures, the refund, fees retained, the payout: the running balance chains to 0.
    expect(all).toHaveLength(COUNT + 3);
    expect(all.slice(-2).map((e: any) => e.entryType)).toEqual(['fees-retained', 'scheduled-for-payout']);
    for (let i = 1; i < all.length; i++) expect(all[i].balanceBefore).toBe(all[i - 1].balanceAfter);
    expect(all[all.length - 1].balanceAfter).toBe(0);
  });

  it('feeds a topic with a cursor that is always there and tryLater at the end', async () => {
    let cursor: string | undefined;
    let seen = 0;
    for (;;) {
      const page = await report(emu, `/report/v2/ledgers/${ledgerId}/fees/feed${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.cursor).toEqual(expect.any(String));
      seen += page.body.items.length;
      if (page.body.tryLater) {
        // At the end: the same cursor again, nothing new.
        const again = await report(emu, `/report/v2/ledgers/${ledgerId}/fees/feed?cursor=${encodeURIComponent(page.body.cursor)}`);
        expect(again.body).toEqual({ cursor: page.body.cursor, tryLater: true, items: [] });
        break;
      }
      cursor = page.body.cursor;
    }
    expect(seen).toBe(COUNT + 1); // a capture-fee per capture, fees retained once
  });

  it('shows another merchant nothing of this ledger, and its own ledger only', async () => {
    const other = (await emu.call('POST', '/devkit/v1/merchants', { body: {} })).body;
    const merchant = emu.ctx.merchants.get(other.msn)!;
    const headers = { authorization: `Bearer ${await emu.fetchToken(merchant)}`, 'ocp-apim-subscription-key': merchant.subscriptionKey, 'merchant-serial-number': undefined };
    const theirs = await emu.call('GET', '/settlement/v1/ledgers', { headers });
    expect(theirs.body.items.map((l: any) => l.ledgerId)).not.toContain(ledgerId);
    expect(theirs.body.items[0].settlesForRecipientHandles).toEqual([`api:${other.msn}`]);
    const peek = await emu.call('GET', `/report/v2/ledgers/${ledgerId}/funds/dates/${date}`, { headers });
    expect(peek.status).toBe(200);
    expect(peek.body).toEqual({ hasMore: false, items: [] });
    expect((await emu.call('GET', `/report/v2/ledgers/${ledgerId}/funds/feed`, { headers })).body.items).toEqual([]);
    expect((await emu.call('GET', `/report/v1/ledgertransactions?ledgerId=${ledgerId}`, { headers })).body).toEqual({ cursor: '', items: [] });
    expect((await report(emu, '/settlement/v1/ledgers?settlesForRecipientHandles=api:1')).body.items).toEqual([]);
  });

  it('answers the documented errors', async () => {
    const unauthorized = await emu.call('GET', '/settlement/v1/ledgers', { headers: { authorization: 'Bearer not-a-token', 'merchant-serial-number': undefined } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toEqual({ code: 'Unauthorized', message: 'Please check your API keys' });
    const noKey = await emu.call('GET', '/settlement/v1/ledgers', { headers: { 'ocp-apim-subscription-key': undefined } });
    expect(noKey.status).toBe(401);
    expect(noKey.body.code).toBe('Unauthorized');
    const badDate = await report(emu, `/report/v2/ledgers/${ledgerId}/funds/dates/2026-02-30`);
    expect(badDate.status).toBe(400);
    expect(badDate.body).toMatchObject({ errorCode: 10002, errorMessage: expect.stringContaining('ledgerDate'), contextId: expect.any(String) });
    const badTopic = await report(emu, `/report/v2/ledgers/${ledgerId}/payouts/feed`);
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.errorCode).toBe(10002);
    const badCursor = await report(emu, `/report/v2/ledgers/${ledgerId}/funds/feed?cursor=nonsense`);
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errorMessage).toContain('cursor');
    const future = await report(emu, `/report/v2/ledgers/${ledgerId}/funds/dates/2099-01-01`);
    expect(future.body).toEqual({ items: [], tryLater: true });
  });
});

describe('Report API v1 (deprecated)', () => {
  it('lists a payout\'s transactions and the payout itself, a date\'s, and those since a payout', async () => {
    const inPayout = await report(emu, `/report/v1/ledgertransactions?ledgerId=${ledgerId}&inPayout=2000001`);
    expect(inPayout.status, inPayout.text).toBe(200);
    expect(inPayout.body.items).toHaveLength(1000);
    const rest = await report(emu, `/report/v1/ledgertransactions?ledgerId=${ledgerId}&inPayout=2000001&cursor=${encodeURIComponent(inPayout.body.cursor)}`);
    expect(rest.body.cursor).toBe('');
    const items = [...inPayout.body.items, ...rest.body.items];
    const payout = items[items.length - 1];
    expect(payout).toMatchObject({ transactionId: '2000001', transactionType: 'payout', ledgerDate: date });
    // The payout's amount is what its transactions put on the ledger.
    expect(items.slice(0, -1).reduce((n: number, t: any) => n + t.ledgerAmount, 0)).toBe(-payout.ledgerAmount);
    expect((await report(emu, `/report/v1/ledgertransactions?ledgerId=${ledgerId}&sincePayout=2000001`)).body.items).toEqual([]);
    const byDate = await report(emu, `/report/v1/ledgertransactions?ledgerId=${ledgerId}&ledgerDate=${date}`);
    expect(byDate.body.items[0]).toMatchObject({ transactionType: 'capture', recipientHandle: `nor:${emu.merchant.msn}`, ledgerId });
  });
});

describe('the store', () => {
  it('streams a settlement\'s lines in report order, a batch at a time', async () => {
    const seen: string[] = [];
    let last = '';
    for await (const line of settlementStore.transactionLines(emu.ctx.database.db, emu.merchant.msn, '2000001', 100)) {
      expect(`${line.time}|${line.transactionId}` > last).toBe(true);
      last = `${line.time}|${line.transactionId}`;
      seen.push(line.transactionId);
    }
    expect(seen).toHaveLength(COUNT + 1);
    expect(new Set(seen).size).toBe(COUNT + 1);
  });

  it('gives the report writers a settlement, its sales unit and its lines', async () => {
    const data = (await settlementReportData(emu.ctx.database.db, emu.merchant.msn, '2000001'))!;
    expect(data.unit).toMatchObject({ msn: emu.merchant.msn, ledgerId, settlementType: 'Net' });
    let count = 0;
    let gross = 0;
    let fee = 0;
    for await (const line of data.lines()) {
      count += 1;
      gross += line.grossAmount;
      fee += line.feeAmount;
      expect(line.netAmount).toBe(line.grossAmount - line.feeAmount);
    }
    expect([count, gross, fee]).toEqual([data.settlement.numberOfTransactions, data.settlement.grossAmount, data.settlement.feeAmount]);
    expect(await settlementReportData(emu.ctx.database.db, emu.merchant.msn, '2999999')).toBeUndefined();
    const period = (await periodReportData(emu.ctx.database.db, emu.merchant.msn, date, date))!;
    expect(period.settlements.map((s) => s.settlement.settlementId)).toEqual(['2000001']);
  });
});
