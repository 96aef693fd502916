/**
 * Report files downloaded through the control API, over real HTTP, from settlements the emulator
 * made on its clock: each format read back with its real reader and its totals checked against
 * the ledger's settlements.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { skipNote } from '../../helpers/skip.js';
import { closeToday } from './helpers.js';
import { XSD2, samplesMissing, totalsInXml, validateXml, xmllintMissing } from './samples.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'settle-downloads-'));
const noXmllint = samplesMissing ?? xmllintMissing;
const noPdftotext = (process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, 'pdftotext'))) ? undefined : 'pdftotext not installed (apt-get install poppler-utils)';

let emu: TestEmulator;
let msn: string;
let settlements: any[];
beforeAll(async () => {
  emu = await startTestEmulator();
  msn = emu.merchant.msn;
  // Four days: captures every day, a refund on the second, a day of refunds only on the third
  // (a negative balance: nothing settles, it carries into the fourth).
  const days = [
    [['capture', 100_00], ['capture', 439_00]],
    [['capture', 250_00], ['refund', 50_00]],
    [['refund', 20_00]],
    [['capture', 1_00], ['capture', 99_99]],
  ] as const;
  for (const day of days) {
    for (const [kind, amount] of day) {
      const res = await emu.call('POST', `/devkit/v1/settlements/units/${msn}/transactions`, { body: { kind, amount, reference: `order-${kind}-${amount}` } });
      expect(res.status, res.text).toBe(201);
    }
    await closeToday(emu);
  }
  settlements = (await emu.call('GET', `/devkit/v1/settlements/units/${msn}/settlements`)).body.settlements;
}, 60_000);
afterAll(async () => emu?.close());

async function download(url: string): Promise<{ status: number; type: string | null; disposition: string | null; bytes: Buffer }> {
  const res = await fetch(`${emu.url}${url}`);
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) };
}
const ore = (text: string) => Math.round(Number(text.replace(',', '.')) * 100);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('report downloads on the control API', () => {
  it('the clock made three settlements (the refund-only day carried over)', () => {
    expect(settlements.map((s) => [s.settlementId, s.numberOfTransactions])).toEqual([['2000001', 2], ['2000002', 2], ['2000003', 3]]);
  });

  it.skipIf(noXmllint !== undefined)(`XML of one settlement: valid, named as the portal names it, totals of the ledger${skipNote(noXmllint)}`, async () => {
    const s = settlements[2];
    const res = await download(`/devkit/v1/settlements/units/${msn}/settlements/${s.settlementId}/report.xml`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/xml/);
    expect(res.disposition).toContain(`filename*=UTF-8''${encodeURIComponent(`Vipps-oppgjørsrapport-${msn}-${s.settlementDate}.xml`)}`);
    const file = path.join(dir, 'one.xml');
    writeFileSync(file, res.bytes);
    expect(await validateXml(file)).toMatchObject({ ok: true });
    expect([...totalsInXml(res.bytes.toString('utf8')).values()]).toEqual([
      { date: s.settlementDate, count: 3, capture: s.captureAmount, refund: s.refundAmount, gross: s.grossAmount, net: s.netAmount, fee: s.feeAmount, settled: s.settledAmount },
    ]);
  });

  it.skipIf(noXmllint !== undefined)(`XML of a period holds every settlement dated in it; v2 validates against XSD 2.0${skipNote(noXmllint)}`, async () => {
    const from = settlements[0].settlementDate;
    const to = settlements[2].settlementDate;
    const res = await download(`/devkit/v1/settlements/units/${msn}/report.xml?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const totals = [...totalsInXml(res.bytes.toString('utf8')).entries()];
    expect(totals.map(([id, t]) => [String(id), t.settled])).toEqual(settlements.map((s) => [s.settlementId, s.settledAmount]));
    const v2 = await download(`/devkit/v1/settlements/units/${msn}/report.v2.xml?from=${from}&to=${to}`);
    writeFileSync(path.join(dir, 'period-v2.xml'), v2.bytes);
    expect(v2.status).toBe(200);
    expect(v2.bytes.toString('utf8')).toContain(`<tns:NumOfSettlements>${settlements.length}</tns:NumOfSettlements>`);
    expect(await validateXml(path.join(dir, 'period-v2.xml'), XSD2)).toMatchObject({ ok: true });
  });

  it('CSV of a period: SettlementInfo rows are the ledger settlements', async () => {
    const res = await download(`/devkit/v1/settlements/units/${msn}/report.csv?from=${settlements[0].settlementDate}&to=${settlements[2].settlementDate}`);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/csv/);
    const rows = parse(res.bytes.toString('utf8'), { relax_column_count: true }) as string[][];
    const info = rows.filter((r) => r[0] === 'SettlementInfo' && r[1] !== 'SalesUnitName');
    expect(info.map((r) => [r[4], ore(r[6]!), ore(r[8]!), ore(r[9]!), Number(r[11])])).toEqual(
      settlements.map((s) => [s.settlementId, s.captureAmount, 0 - s.feeAmount, s.refundAmount, s.numberOfTransactions]),
    );
    const lines = rows.filter((r) => r[0] === 'TransactionInfo' && r[1] !== 'SalesDate');
    expect(lines).toHaveLength(7);
    // Net settlement: what is paid out is Net + Refund.
    expect(sum(info.map((r) => ore(r[10]!) + ore(r[9]!)))).toBe(sum(settlements.map((s) => s.settledAmount)));
  });

  it('XLSX of a period reads back with exceljs; its payout rows are the settled amounts', async () => {
    const res = await download(`/devkit/v1/settlements/units/${msn}/report.xlsx?from=${settlements[0].settlementDate}&to=${settlements[2].settlementDate}`);
    expect(res.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.bytes as unknown as ArrayBuffer);
    const payouts: number[] = [];
    book.getWorksheet('Rapport')!.eachRow((row) => {
      if (row.getCell(1).value === 'Til utbetaling netto') payouts.push(Math.round((row.getCell(13).value as number) * 100));
    });
    expect(payouts).toEqual(settlements.map((s) => s.settledAmount));
  });

  it.skipIf(noPdftotext !== undefined)(`PDF of a period: pdftotext shows each settlement's sum${skipNote(noPdftotext)}`, async () => {
    const res = await download(`/devkit/v1/settlements/units/${msn}/report.pdf?from=${settlements[0].settlementDate}&to=${settlements[2].settlementDate}`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pdf');
    const file = path.join(dir, 'period.pdf');
    writeFileSync(file, res.bytes);
    const { stdout } = await run('pdftotext', ['-layout', file, '-']);
    expect(stdout).toContain(`Vippsnummer: ${msn}`);
    const rows = [...stdout.matchAll(/^\s*\d\d\.\d\d\.\d\d\s+(2\d{6})\s+\S+\s+\S+\s+\S+\s+(-?\d+,\d\d)\s*$/gm)];
    expect(rows.map((r) => [r[1], ore(r[2]!)])).toEqual(settlements.map((s) => [s.settlementId, s.settledAmount]));
  });

  it('answers an unknown format, an unknown settlement and an empty period with RFC 7807 problems', async () => {
    const bad = await emu.call('GET', `/devkit/v1/settlements/units/${msn}/settlements/2000001/report.docx`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, detail: expect.stringContaining('docx') });
    const missing = await emu.call('GET', `/devkit/v1/settlements/units/${msn}/settlements/2999999/report.xml`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404 });
    const empty = await emu.call('GET', `/devkit/v1/settlements/units/${msn}/report.csv?from=2001-01-01&to=2001-01-31`);
    expect(empty.status).toBe(404);
    const backwards = await emu.call('GET', `/devkit/v1/settlements/units/${msn}/report.csv?from=2001-02-01&to=2001-01-31`);
    expect(backwards.status).toBe(400);
  });
});
