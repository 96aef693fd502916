/**
 * CSV, XLSX, PDF and xml.zip read back with real readers (csv-parse, exceljs, pdftotext, unzip),
 * and their totals checked against the rows the report was made from.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reportStream, type ReportFormat } from '../../../src/apis/settlements/reports/index.js';
import type { SettlementReportModel } from '../../../src/apis/settlements/reports/model.js';
import { CSV_HEADERS } from '../../../src/apis/settlements/reports/csv.js';
import { XLSX_HEADERS, XLSX_HEADER_ROW } from '../../../src/apis/settlements/reports/xlsx.js';
import { skipNote } from '../../helpers/skip.js';
import { buildModel, modelArb, modelSums } from './generated-model.js';
import { collect, samplesMissing, validateXml, xmllintMissing } from './samples.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'settle-formats-'));
const onPath = (tool: string) => (process.env.PATH ?? '').split(path.delimiter).some((d) => existsSync(path.join(d, tool)));
const noPdftotext = onPath('pdftotext') ? undefined : 'pdftotext not installed (apt-get install poppler-utils)';
const noUnzip = onPath('unzip') ? undefined : 'unzip not installed';
const noXmllint = samplesMissing ?? xmllintMissing;

let fileNo = 0;
async function toFile(format: ReportFormat, model: SettlementReportModel): Promise<string> {
  const file = path.join(dir, `report-${(fileNo += 1)}.${format}`);
  await pipeline(reportStream(format, model, 'inner.xml'), createWriteStream(file));
  return file;
}

const ore = (text: string) => Math.round(Number(text.replace(',', '.')) * 100);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('CSV settlement report', () => {
  it('has the documented record layout and its totals match the rows', async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, async (input) => {
        const model = buildModel(input);
        const text = await collect(reportStream('csv', model));
        const records = parse(text, { relax_column_count: true }) as string[][];
        expect(records[0]!.join(',')).toBe(CSV_HEADERS.merchant);
        expect(records[1]).toEqual(['998724341', `${input.name} Holding`]);
        expect(records[2]!.join(',')).toBe(CSV_HEADERS.issuer);
        const settlements = records.filter((r) => r[0] === 'SettlementInfo' && r[1] !== 'SalesUnitName');
        const transactions = records.filter((r) => r[0] === 'TransactionInfo' && r[1] !== 'SalesDate');
        for (const r of settlements) expect(r).toHaveLength(12);
        for (const r of transactions) expect(r).toHaveLength(13);
        const s = await modelSums(model);
        expect(transactions).toHaveLength(s.count);
        expect(sum(transactions.map((r) => ore(r[8]!)))).toBe(s.capture);
        expect(sum(transactions.map((r) => ore(r[10]!)))).toBe(0 - s.fee);
        expect(sum(transactions.map((r) => ore(r[11]!)))).toBe(s.refund);
        expect(sum(settlements.map((r) => ore(r[6]!)))).toBe(s.capture);
        expect(sum(settlements.map((r) => ore(r[8]!)))).toBe(0 - s.fee);
        expect(sum(settlements.map((r) => ore(r[9]!)))).toBe(s.refund);
        expect(sum(settlements.map((r) => Number(r[11])))).toBe(s.count);
        // Net = Gross + Fee on every row: refunds have their own column.
        for (const r of [...settlements.map((r) => [r[6], r[8], r[10]]), ...transactions.map((r) => [r[8], r[10], r[12]])]) {
          expect(ore(r[0]!) + ore(r[1]!)).toBe(ore(r[2]!));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('prints the published example\'s block for its rows', async () => {
    const tx = (id: string, order: string, time: string) => ({ timeMs: Date.parse(time), kind: 'capture' as const, amountOre: 100, feeOre: 2, transactionId: id, orderId: order });
    const unit = {
      name: 'VippsExampleStore', msn: '513428', organizationName: 'Vipps AS', organizationNumber: '918713867', address: '', zipCode: '', city: '',
      countryCode: '', accountNumber: '15039794613', reportDateFrom: '2018-04-11', reportDateTo: '2018-04-13', currency: 'NOK',
      settlements: [
        { settlementId: 2000001, settlementDate: '2018-04-12', type: 'Net' as const, currency: 'NOK', transactions: () => [tx('5554795401', '1911652', '2018-04-11T12:00:00+02:00')] },
        { settlementId: 2000002, settlementDate: '2018-04-13', type: 'Net' as const, currency: 'NOK', transactions: () => [tx('5555094801', '1923885', '2018-04-13T12:00:00+02:00')] },
      ],
    };
    const text = await collect(reportStream('csv', { salesUnits: [unit] }));
    expect(text).toBe(
      [
        'OrganizationNumber,MerchantName', '918713867,Vipps AS', CSV_HEADERS.issuer, 'Vipps AS,Dronning Eufemias Gate 42,,0191,Oslo,Norway,918713867',
        CSV_HEADERS.settlement,
        'SettlementInfo,VippsExampleStore,513428,12.04.2018,2000001,15039794613,1.00,NOK,-0.02,0.00,0.98,1',
        'SettlementInfo,VippsExampleStore,513428,13.04.2018,2000002,15039794613,1.00,NOK,-0.02,0.00,0.98,1',
        CSV_HEADERS.fee, CSV_HEADERS.transaction,
        'TransactionInfo,11.04.2018,VippsExampleStore,513428,5554795401,2000001,1911652,12.04.2018,1.00,NOK,-0.02,0.00,0.98',
        'TransactionInfo,13.04.2018,VippsExampleStore,513428,5555094801,2000002,1923885,13.04.2018,1.00,NOK,-0.02,0.00,0.98',
        '',
      ].join('\n'),
    );
  });
});

describe('XML from generated rows', () => {
  it.skipIf(noXmllint !== undefined)(`validates against XSD 3.0 whatever the rows${skipNote(noXmllint)}`, async () => {
    await fc.assert(
      fc.asyncProperty(modelArb, async (input) => {
        const file = await toFile('xml', buildModel(input));
        const verdict = await validateXml(file);
        expect(verdict.output).toContain('validates');
      }),
      { numRuns: 15 },
    );
  });

  it.skipIf((noXmllint ?? noUnzip) !== undefined)(`xml.zip holds one entry, the same valid XML${skipNote(noXmllint ?? noUnzip)}`, async () => {
    const model = buildModel(fc.sample(modelArb, { seed: 7, numRuns: 1 })[0]!);
    const file = await toFile('xml.zip', model);
    const { stdout: listing } = await run('unzip', ['-Z1', file]);
    expect(listing.trim()).toBe('inner.xml');
    const { stdout: xml } = await run('unzip', ['-p', file, 'inner.xml'], { maxBuffer: 1 << 26 });
    expect(xml).toBe(await collect(reportStream('xml', model)));
    writeFileSync(path.join(dir, 'unzipped.xml'), xml);
    expect((await validateXml(path.join(dir, 'unzipped.xml'))).ok).toBe(true);
  });
});

describe('XLSX settlement report', () => {
  it('reads back with exceljs: sheet Rapport, headers, one row per transaction, payout rows matching the rows', async () => {
    const input = fc.sample(modelArb, { seed: 11, numRuns: 1 })[0]!;
    input.settlements.push({ type: 'Net', rows: [{ kind: 'refund', amountOre: 1234, feePercentBp: 0, orderId: 'r-1', gapMs: 1000 }, { kind: 'capture', amountOre: 50000, feePercentBp: 150, orderId: 'c-1', gapMs: 1000 }] });
    const model = buildModel(input);
    const file = await toFile('xlsx', model);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(file);
    expect(book.creator).toBe('Vipps AS');
    const sheet = book.getWorksheet('Rapport')!;
    expect(sheet.getCell('A1').value).toBe('Oppgjørsrapport');
    expect(sheet.getCell('A3').value).toBe('Organisasjonsnummer');
    expect(sheet.getCell('C3').value).toBe('998724341');
    expect((sheet.getRow(XLSX_HEADER_ROW).values as unknown[]).slice(1)).toEqual([...XLSX_HEADERS]);
    const rows: unknown[][] = [];
    sheet.eachRow((row, n) => {
      if (n > XLSX_HEADER_ROW) rows.push((row.values as unknown[]).slice(1));
    });
    const txRows = rows.filter((r) => r[9] === 'Salg' || r[9] === 'Refundering');
    const payoutRows = rows.filter((r) => typeof r[0] === 'string' && r[0].startsWith('Til utbetaling'));
    const s = await modelSums(model);
    const cents = (v: unknown) => Math.round((v as number) * 100);
    expect(txRows).toHaveLength(s.count);
    expect(sum(txRows.map((r) => cents(r[6])))).toBe(s.capture + s.refund);
    expect(sum(txRows.map((r) => cents(r[7])))).toBe(0 - s.fee);
    for (const r of txRows) expect(cents(r[6]) + cents(r[7])).toBe(cents(r[8]));
    expect(payoutRows).toHaveLength(model.salesUnits[0]!.settlements.length);
    expect(sum(payoutRows.map((r) => cents(r[12])))).toBe(s.settled);
    expect(sheet.getRow(XLSX_HEADER_ROW + 1).getCell(7).numFmt).toBe('0.00');
  });
});

describe('PDF settlement report', () => {
  it.skipIf(noPdftotext !== undefined)(`pdftotext finds the documented content and each settlement's totals${skipNote(noPdftotext)}`, async () => {
    const input = fc.sample(modelArb, { seed: 5, numRuns: 1 })[0]!;
    input.name = 'Kafé Ærlig Øl';
    const model = buildModel(input);
    const file = await toFile('pdf', model);
    const { stdout } = await run('pdftotext', ['-layout', file, '-']);
    expect(stdout).toContain('Foretak: Kafé Ærlig Øl Holding');
    expect(stdout).toContain('Organisasjonsnummer: 998724341');
    expect(stdout).toMatch(/Rapporteringsperiode: \d\d\.\d\d\.\d{4} – \d\d\.\d\d\.\d{4}/);
    expect(stdout).toContain('OPPGJØR');
    expect(stdout).toContain('Vippsnummer: 123456');
    expect(stdout).toContain('Bankkonto: 1503.76.54733');
    expect(stdout).toMatch(/Dato\s+Oppgjørs-ID\s+Brutto salg\s+Gebyr\s+Refundert\s+Oppgjørssum/);
    expect(stdout).toContain('Side 1 av 1');
    const rows = [...stdout.matchAll(/^\s*(\d\d\.\d\d\.\d\d)\s+(2\d{6})\s+(-?\d+,\d\d)\s+(-?\d+,\d\d)\s+(-?\d+,\d\d)\s+(-?\d+,\d\d)\s*$/gm)];
    expect(rows).toHaveLength(model.salesUnits[0]!.settlements.length);
    const s = await modelSums(model);
    expect(sum(rows.map((r) => ore(r[3]!)))).toBe(s.capture);
    expect(sum(rows.map((r) => ore(r[4]!)))).toBe(0 - s.fee);
    expect(sum(rows.map((r) => ore(r[5]!)))).toBe(s.refund);
    expect(sum(rows.map((r) => ore(r[6]!)))).toBe(s.settled);
  });

  it.skipIf(noPdftotext !== undefined)(`numbers its pages when the settlements need several${skipNote(noPdftotext)}`, async () => {
    const input = fc.sample(modelArb, { seed: 9, numRuns: 1 })[0]!;
    input.settlements = Array.from({ length: 90 }, () => ({ type: 'Net' as const, rows: [{ kind: 'capture' as const, amountOre: 10000, feePercentBp: 225, orderId: 'x', gapMs: 1000 }] }));
    const file = await toFile('pdf', buildModel(input));
    const { stdout } = await run('pdftotext', ['-layout', file, '-']);
    const pages = [...stdout.matchAll(/Side (\d+) av (\d+)/g)];
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p[1])).toEqual(pages.map((_, i) => String(i + 1)));
    expect(new Set(pages.map((p) => p[2]))).toEqual(new Set([String(pages.length)]));
    expect([...stdout.matchAll(/^\s*\d\d\.\d\d\.\d\d\s+2\d{6}\s/gm)]).toHaveLength(90);
  });
});
