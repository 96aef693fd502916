/**
 * The CSV settlement report in its tagged record layout: the merchant pair, the issuer pair, then
 * SettlementInfo, FeeInfo and TransactionInfo records, each block under its header line. Header
 * spellings are the published ones, inconsistencies included (`SalesUnitName` / `SaleUnitName`,
 * `SettlementID` / `SettlementId`).
 *
 * Amount semantics follow the published file: Fee is negative, Net = Gross + Fee, and a refund sits
 * in its own column (Gross, Fee and Net 0.00 on refund rows), so what is paid out for a Net
 * settlement is Net + Refund. A field is quoted only when it holds a comma, quote or line break
 * (the examples never do, and print nothing quoted).
 */
import type { ReportSettlement, SettlementReportModel, SettlementTotals } from './model.js';
import { VIPPS_INFO, totalsOf } from './model.js';
import { money, norwegianDate, osloDate } from './format.js';

const CHUNK = 64 * 1024;

export const CSV_HEADERS = {
  merchant: 'OrganizationNumber,MerchantName',
  issuer: 'Name,VisitingAddress,Postbox,Zipno,Place,Country,CompanyNumber',
  settlement: 'SettlementInfo,SalesUnitName,SaleUnitNumber,SettlementDate,SettlementID,SettlementAccount,Gross,Currency,Fee,Refund,Net,NumberOfTransactions',
  fee: 'FeeInfo,SettlementDate,SaleUnitName,SaleUnitNumber,FeeAccount,Fee,Currency',
  transaction: 'TransactionInfo,SalesDate,SaleUnitName,SaleUnitNumber,TransactionId,SettlementId,OrderID,SettlementDate,Gross,Currency,Fee,Refund,Net',
} as const;

function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const line = (fields: string[]) => `${fields.map(field).join(',')}\n`;

export async function* settlementReportCsv(model: SettlementReportModel): AsyncGenerator<string> {
  const first = model.salesUnits[0];
  let out =
    `${CSV_HEADERS.merchant}\n` +
    line([first?.organizationNumber ?? '', first?.organizationName ?? '']) +
    `${CSV_HEADERS.issuer}\n` +
    line([VIPPS_INFO.name, VIPPS_INFO.visitingAddress, VIPPS_INFO.postBox, VIPPS_INFO.zipCode, VIPPS_INFO.place, VIPPS_INFO.country, VIPPS_INFO.organizationNumber]) +
    `${CSV_HEADERS.settlement}\n`;

  const settlements: { unit: (typeof model.salesUnits)[number]; s: ReportSettlement; t: SettlementTotals }[] = [];
  for (const unit of model.salesUnits) for (const s of unit.settlements) settlements.push({ unit, s, t: await totalsOf(s) });

  for (const { unit, s, t } of settlements) {
    out += line([
      'SettlementInfo', unit.name, unit.msn, norwegianDate(s.settlementDate), String(s.settlementId), unit.accountNumber,
      money(t.capture), s.currency, money(-t.fee), money(t.refund), money(t.capture - t.fee), String(t.count),
    ]);
  }
  out += `${CSV_HEADERS.fee}\n${CSV_HEADERS.transaction}\n`;

  for (const { unit, s } of settlements) {
    // The per-settlement prefix and suffix are the same on every row: build them once.
    const unitFields = `${field(unit.name)},${field(unit.msn)},`;
    const settlementDate = norwegianDate(s.settlementDate);
    let lastDay = '';
    let lastDayText = '';
    for await (const tx of s.transactions()) {
      const day = osloDate(tx.timeMs);
      if (day !== lastDay) {
        lastDay = day;
        lastDayText = norwegianDate(day);
      }
      const capture = tx.kind === 'capture';
      const fee = capture ? tx.feeOre : 0;
      out +=
        `TransactionInfo,${lastDayText},${unitFields}${field(tx.transactionId)},${s.settlementId},${field(tx.orderId)},${settlementDate},` +
        `${money(capture ? tx.amountOre : 0)},${s.currency},${money(-fee)},${money(capture ? 0 : -tx.amountOre)},${money(capture ? tx.amountOre - fee : 0)}\n`;
      if (out.length >= CHUNK) {
        yield out;
        out = '';
      }
    }
  }
  yield out;
}
