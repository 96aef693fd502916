/**
 * The XLSX settlement report (sheet `Rapport`): title, company block, one row per transaction and
 * a payout row after each settlement, as the portal's files lay it out. Written with exceljs's
 * streaming writer, so rows leave memory once committed.
 */
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { SettlementReportModel } from './model.js';
import { addToTotals, emptyTotals, settledAmount } from './model.js';
import { kroner, norwegianDate, osloDate } from './format.js';

export const XLSX_HEADERS = [
  'Salgsdato', 'Salgssted', 'Vippsnummer', 'Produkt', 'Transaksjons-ID', 'Ordre-ID', 'Brutto', 'Gebyr', 'Netto',
  'Transaksjonstype', 'Oppgjørs-ID', 'Oppgjørsdato', 'Oppgjørssum', 'Oppgjørskonto',
] as const;
/** The row the column headers are on; transactions start below it. */
export const XLSX_HEADER_ROW = 8;
const MONEY_FORMAT = '0.00';

/** Which product a transaction came through, as the portal's `Produkt` column names it. */
export function productName(source: string | undefined): string {
  if (source === 'recurring') return 'Vipps Faste Betalinger';
  if (source === 'vippsnummer') return 'Vipps Bedrift';
  return 'Vipps Netthandel';
}

export async function writeSettlementReportXlsx(model: SettlementReportModel, stream: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Vipps AS';
  workbook.title = 'Vipps Settlement Report';
  const sheet = workbook.addWorksheet('Rapport');
  sheet.columns = XLSX_HEADERS.map((h) => ({ key: h, width: Math.max(12, h.length + 2) }));

  const first = model.salesUnits[0];
  const from = model.salesUnits.map((u) => u.reportDateFrom).sort()[0] ?? '';
  const to = model.salesUnits.map((u) => u.reportDateTo).sort().at(-1) ?? '';
  sheet.mergeCells('A1:N1');
  sheet.getCell('A1').value = 'Oppgjørsrapport';
  sheet.getCell('A1').font = { bold: true, size: 14 };
  const company: [string, string][] = [
    ['Bedriften', first?.organizationName ?? ''],
    ['Organisasjonsnummer', first?.organizationNumber ?? ''],
    ['Fra dato', from ? norwegianDate(from) : ''],
    ['Til dato', to ? norwegianDate(to) : ''],
  ];
  company.forEach(([label, value], i) => {
    const r = 2 + i;
    sheet.mergeCells(`A${r}:B${r}`);
    sheet.mergeCells(`C${r}:D${r}`);
    sheet.getCell(`A${r}`).value = label;
    sheet.getCell(`C${r}`).value = value;
  });
  sheet.mergeCells('A6:N6');
  for (let r = 1; r <= 7; r += 1) sheet.getRow(r).commit();

  const header = sheet.getRow(XLSX_HEADER_ROW);
  header.values = [...XLSX_HEADERS];
  header.font = { bold: true };
  header.commit();

  let row = XLSX_HEADER_ROW + 1;
  const moneyCells = (r: ExcelJS.Row) => {
    for (const c of [7, 8, 9, 13]) r.getCell(c).numFmt = MONEY_FORMAT;
  };
  for (const unit of model.salesUnits) {
    for (const s of unit.settlements) {
      const totals = emptyTotals();
      const settlementDate = norwegianDate(s.settlementDate);
      for await (const tx of s.transactions()) {
        addToTotals(totals, tx);
        const capture = tx.kind === 'capture';
        const gross = capture ? tx.amountOre : -tx.amountOre;
        const fee = capture ? tx.feeOre : 0;
        const r = sheet.getRow(row);
        r.values = [
          norwegianDate(osloDate(tx.timeMs)), unit.name, unit.msn, productName(tx.source), tx.transactionId, tx.orderId,
          kroner(gross), kroner(-fee), kroner(gross - fee), capture ? 'Salg' : 'Refundering', String(s.settlementId), settlementDate,
        ];
        moneyCells(r);
        r.commit();
        row += 1;
      }
      const summary = sheet.getRow(row);
      summary.values = [
        s.type === 'Net' ? 'Til utbetaling netto' : 'Til utbetaling brutto', unit.name, unit.msn, '', '', '', '', '', '', '',
        String(s.settlementId), settlementDate, kroner(settledAmount(s.type, totals)), unit.accountNumber,
      ];
      summary.font = { bold: true };
      moneyCells(summary);
      summary.commit();
      row += 2;
    }
  }
  sheet.commit();
  await workbook.commit();
}
