/**
 * XML settlement reports, v3.0 (current) and v2.0 (legacy, on request), written as a stream of
 * text chunks. Serialized by hand rather than through an XML library because the files must match
 * the published examples byte for byte in layout (root indented 2, +4 per level, LF, open/close
 * pairs for empty values, no newline after the root), which no serializer we found reproduces.
 *
 * v3 puts every total after its rows, so it is written in one pass with running sums; v2 puts
 * totals first and takes them from `settlement.totals` or a first pass.
 */
import type { ReportSalesUnit, ReportSettlement, ReportTransaction, SettlementReportModel, SettlementTotals } from './model.js';
import { VIPPS_INFO, addToTotals, emptyTotals, settledAmount, totalsOf } from './model.js';
import { OsloTimeFormatter, money, xmlText } from './format.js';

export const XML_V3_NAMESPACE = 'http://vipps.no/xmlschema/SettlementReport-3.0.xsd';
export const XML_V2_NAMESPACE = 'http://vipps.dnb.no/XMLSchema/SettlementReport.xsd';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const CHUNK = 64 * 1024;

const indent = (level: number) => ' '.repeat(2 + 4 * level);
const I1 = indent(1);
const I2 = indent(2);
const I3 = indent(3);
const I4 = indent(4);
const I5 = indent(5);

/** `<Name>value</Name>` on its own line; value already formatted, escaped here. */
const el = (pad: string, name: string, value: string) => `${pad}<${name}>${xmlText(value)}</${name}>\n`;

function assertWritable(unit: ReportSalesUnit): void {
  if (unit.settlements.length === 0) {
    throw new Error(`sales unit ${unit.msn} has no settlement in the report period: the schema needs at least one`);
  }
}

function salesUnitHead(unit: ReportSalesUnit, p: (name: string) => string): string {
  return (
    `${I1}<${p('SettlementDetailsInfo')}>\n` +
    el(I2, p('SaleUnitName'), unit.name) +
    el(I2, p('SerialNumber'), unit.msn) +
    el(I2, p('OrganizationName'), unit.organizationName) +
    el(I2, p('OrganizationNumber'), unit.organizationNumber) +
    el(I2, p('MainAddress'), unit.address) +
    el(I2, p('MainAddressZipCode'), unit.zipCode) +
    el(I2, p('MainAddressCity'), unit.city) +
    el(I2, p('MainAddressCountryCode'), unit.countryCode) +
    `${I2}<${p('PaymentsInfo')}>\n`
  );
}

function vippsInfo(p: (name: string) => string): string {
  return (
    `${I1}<${p('VippsInfo')}>\n` +
    el(I2, p('Name'), VIPPS_INFO.name) +
    el(I2, p('WebSite'), VIPPS_INFO.webSite) +
    el(I2, p('VisitingAddress'), VIPPS_INFO.visitingAddress) +
    el(I2, p('PostBox'), VIPPS_INFO.postBox) +
    el(I2, p('PostAddress'), VIPPS_INFO.postAddress) +
    el(I2, p('Country'), VIPPS_INFO.country) +
    `${I1}</${p('VippsInfo')}>\n`
  );
}

/** Collects text and hands it out in chunks of about 64 KiB. */
class ChunkBuffer {
  text = '';
  add(s: string): boolean {
    this.text += s;
    return this.text.length >= CHUNK;
  }
  take(): string {
    const t = this.text;
    this.text = '';
    return t;
  }
}

/** One TransactionInfo of v3. */
function transactionV3(tx: ReportTransaction, time: string, currency: string): string {
  const capture = tx.kind === 'capture' ? tx.amountOre : 0;
  const refund = tx.kind === 'refund' ? -tx.amountOre : 0;
  const fee = tx.kind === 'capture' ? tx.feeOre : 0;
  const gross = capture + refund;
  return (
    `${I4}<TransactionInfo>\n` +
    `${I5}<TransactionTime>${time}</TransactionTime>\n` +
    `${I5}<TransactionCaptureAmount>${money(capture)}</TransactionCaptureAmount>\n` +
    `${I5}<TransactionRefundAmount>${money(refund)}</TransactionRefundAmount>\n` +
    `${I5}<TransactionGrossAmount>${money(gross)}</TransactionGrossAmount>\n` +
    `${I5}<TransactionNetAmount>${money(gross - fee)}</TransactionNetAmount>\n` +
    `${I5}<TransactionFeeAmount>${money(fee)}</TransactionFeeAmount>\n` +
    `${I5}<SettlementCurrencyCode>${xmlText(currency)}</SettlementCurrencyCode>\n` +
    `${I5}<TransactionID>${xmlText(tx.transactionId)}</TransactionID>\n` +
    el(I5, 'OrderID', tx.orderId) +
    `${I4}</TransactionInfo>\n`
  );
}

function settlementTailV3(s: ReportSettlement, t: SettlementTotals): string {
  const gross = t.capture + t.refund;
  return (
    `${I4}<NumOfTransactions>${t.count}</NumOfTransactions>\n` +
    `${I4}<CaptureSettlementAmount>${money(t.capture)}</CaptureSettlementAmount>\n` +
    `${I4}<RefundSettlementAmount>${money(t.refund)}</RefundSettlementAmount>\n` +
    `${I4}<GrossSettlementAmount>${money(gross)}</GrossSettlementAmount>\n` +
    `${I4}<NetSettlementAmount>${money(gross - t.fee)}</NetSettlementAmount>\n` +
    `${I4}<FeeSettlementAmount>${money(t.fee)}</FeeSettlementAmount>\n` +
    `${I4}<SettledAmount>${money(settledAmount(s.type, t))}</SettledAmount>\n` +
    `${I3}</SettlementInfo>\n`
  );
}

/** XML v3.0, streamed. Totals are computed while the rows go out. */
export async function* settlementReportXmlV3(model: SettlementReportModel): AsyncGenerator<string> {
  model.salesUnits.forEach(assertWritable);
  const p = (name: string) => name;
  const out = new ChunkBuffer();
  const times = new OsloTimeFormatter();
  out.add(`${DECLARATION}  <SettlementReport xmlns="${XML_V3_NAMESPACE}">\n`);
  for (const unit of model.salesUnits) {
    out.add(salesUnitHead(unit, p));
    out.add(
      el(I3, 'ReportDateFrom', unit.reportDateFrom) +
        el(I3, 'ReportDateTo', unit.reportDateTo) +
        el(I3, 'SettlementCurrencyCode', unit.currency) +
        (unit.referenceNumber !== undefined ? el(I3, 'ReportReferenceNum', unit.referenceNumber) : '') +
        el(I3, 'SettlementAccountNum', unit.accountNumber),
    );
    for (const s of unit.settlements) {
      out.add(
        `${I3}<SettlementInfo>\n` +
          el(I4, 'SettlementDate', s.settlementDate) +
          `${I4}<SettlementID>${s.settlementId}</SettlementID>\n` +
          el(I4, 'SettlementCurrencyCode', s.currency) +
          `${I4}<SettlementType>${s.type}</SettlementType>\n`,
      );
      const totals = emptyTotals();
      for await (const tx of s.transactions()) {
        addToTotals(totals, tx);
        if (out.add(transactionV3(tx, times.format(tx.timeMs), s.currency))) yield out.take();
      }
      if (totals.count === 0) throw new Error(`settlement ${s.settlementId} has no transactions: the schema needs at least one`);
      out.add(settlementTailV3(s, totals));
    }
    out.add(`${I3}<NumOfSettlements>${unit.settlements.length}</NumOfSettlements>\n${I2}</PaymentsInfo>\n${I1}</SettlementDetailsInfo>\n`);
  }
  out.add(`${vippsInfo(p)}  </SettlementReport>`);
  yield out.take();
}

/** XML v2.0 (legacy namespace, `tns:` prefix, totals before rows), streamed in two passes. */
export async function* settlementReportXmlV2(model: SettlementReportModel): AsyncGenerator<string> {
  model.salesUnits.forEach(assertWritable);
  const p = (name: string) => `tns:${name}`;
  const out = new ChunkBuffer();
  const times = new OsloTimeFormatter();
  out.add(`${DECLARATION}  <tns:SettlementReport xmlns:tns="${XML_V2_NAMESPACE}">\n`);
  for (const unit of model.salesUnits) {
    const totals: SettlementTotals[] = [];
    for (const s of unit.settlements) totals.push(await totalsOf(s));
    const sum = (f: (t: SettlementTotals, s: ReportSettlement) => number) => totals.reduce((a, t, i) => a + f(t, unit.settlements[i]!), 0);
    // v2's MainAddressCity is an xs:NCName: no spaces or leading digits.
    out.add(salesUnitHead({ ...unit, city: unit.city.replace(/\s+/g, '-').replace(/^[^A-Za-z_]+/, '') }, p));
    out.add(
      el(I3, p('ReportDateFrom'), `${unit.reportDateFrom}T00:00:00`) +
        el(I3, p('ReportDateTo'), `${unit.reportDateTo}T23:59:59`) +
        el(I3, p('SettlementCurrencyCode'), unit.currency) +
        el(I3, p('TotalSettledGrossAmount'), money(sum((t) => t.capture + t.refund))) +
        el(I3, p('TotalSettledNetAmount'), money(sum((t) => t.capture + t.refund - t.fee))) +
        el(I3, p('TotalSettledFeeAmount'), money(sum((t) => t.fee))) +
        el(I3, p('TotalSettledRefundAmount'), money(sum((t) => t.refund))) +
        (unit.referenceNumber !== undefined ? el(I3, p('ReportReferenceNum'), unit.referenceNumber) : '') +
        el(I3, p('SettlementAccountNum'), unit.accountNumber) +
        el(I3, p('NumOfSettlements'), String(unit.settlements.length)),
    );
    for (const [i, s] of unit.settlements.entries()) {
      const t = totals[i]!;
      const gross = t.capture + t.refund;
      out.add(
        `${I3}<tns:SettlementInfo>\n` +
          el(I4, p('SettlementBatchDate'), s.settlementDate) +
          el(I4, p('SettlementID'), String(s.settlementId)) +
          el(I4, p('SettlementCurrencyCode'), s.currency) +
          el(I4, p('GrossSettlementAmount'), money(gross)) +
          el(I4, p('NetSettlementAmount'), money(gross - t.fee)) +
          el(I4, p('FeeSettlementAmount'), money(t.fee)) +
          el(I4, p('NumOfTransactions'), String(t.count)),
      );
      let written = 0;
      for await (const tx of s.transactions()) {
        written += 1;
        const fee = tx.kind === 'capture' ? tx.feeOre : 0;
        const gross = tx.kind === 'capture' ? tx.amountOre : -tx.amountOre;
        const row =
          `${I4}<tns:TransactionInfo>\n` +
          el(I5, p('TransactionDate'), times.format(tx.timeMs)) +
          el(I5, p('TransactionGrossAmount'), money(gross)) +
          el(I5, p('TransactionNetAmount'), money(gross - fee)) +
          el(I5, p('TransactionFeeAmount'), money(fee)) +
          el(I5, p('SettlementCurrencyCode'), s.currency) +
          el(I5, p('TransactionID'), tx.transactionId) +
          el(I5, p('OrderID'), tx.orderId) +
          `${I4}</tns:TransactionInfo>\n`;
        if (out.add(row)) yield out.take();
      }
      if (written !== t.count) throw new Error(`settlement ${s.settlementId}: ${written} rows but totals count ${t.count}`);
      if (written === 0) throw new Error(`settlement ${s.settlementId} has no transactions: the schema needs at least one`);
      out.add(`${I3}</tns:SettlementInfo>\n`);
    }
    out.add(`${I2}</tns:PaymentsInfo>\n${I1}</tns:SettlementDetailsInfo>\n`);
  }
  out.add(`${vippsInfo(p)}  </tns:SettlementReport>`);
  yield out.take();
}
