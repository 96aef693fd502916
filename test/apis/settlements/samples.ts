/**
 * The published settlement samples (../shared/samples/settlements) read back into our report
 * model, and xmllint as the schema validator. Tests skip with a printed reason when either is
 * missing.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import type { ReportSalesUnit, ReportSettlement, ReportTransaction, SettlementReportModel } from '../../../src/apis/settlements/reports/model.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const SAMPLES = path.resolve(repoRoot, '../shared/samples/settlements');
export const XSD3 = path.join(SAMPLES, 'SettlementReport-3.0.xsd');
export const XSD2 = path.join(SAMPLES, 'SettlementReport-2.0.xsd');
export const EXAMPLES = ['Example-Gross.xml', 'Example-Net.xml', 'settlement-report-16655-2018-09-23.xml'] as const;

function which(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => existsSync(path.join(dir, tool)));
}

export const samplesMissing = existsSync(XSD3) ? undefined : `${SAMPLES} not found (the shared reference samples sit beside the repository)`;
export const xmllintMissing = which('xmllint') ? undefined : 'xmllint not installed (apt-get install libxml2-utils)';

/** Runs `xmllint --noout --schema` on a file; resolves with xmllint's verdict text. */
export async function validateXml(file: string, xsd = XSD3): Promise<{ ok: boolean; output: string }> {
  try {
    const { stderr } = await run('xmllint', ['--noout', '--stream', '--schema', xsd, file], { maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, output: stderr };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return { ok: false, output: e.stderr ?? e.message };
  }
}

const ore = (value: string) => Math.round(Number(value) * 100);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Node {
  [key: string]: string | Node | Node[];
}

/** One example file as the report model (the rows it lists, with their fees). */
export function exampleModel(file: string): SettlementReportModel {
  const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: false });
  const doc = parser.parse(readFileSync(path.join(SAMPLES, file), 'utf8')) as { SettlementReport: Node };
  const units = list(doc.SettlementReport.SettlementDetailsInfo as Node | Node[]).map((u): ReportSalesUnit => {
    const p = u.PaymentsInfo as Node;
    const settlements = list(p.SettlementInfo as Node | Node[]).map((s): ReportSettlement => {
      const rows = list(s.TransactionInfo as Node | Node[]).map(
        (t): ReportTransaction => {
          const refund = ore(t.TransactionRefundAmount as string);
          return {
            timeMs: Date.parse(t.TransactionTime as string),
            kind: refund < 0 ? 'refund' : 'capture',
            amountOre: refund < 0 ? -refund : ore(t.TransactionCaptureAmount as string),
            feeOre: ore(t.TransactionFeeAmount as string),
            transactionId: t.TransactionID as string,
            orderId: (t.OrderID as string) ?? '',
          };
        },
      );
      return {
        settlementId: Number(s.SettlementID),
        settlementDate: s.SettlementDate as string,
        type: s.SettlementType as 'Gross' | 'Net',
        currency: s.SettlementCurrencyCode as string,
        transactions: () => rows,
      };
    });
    return {
      name: u.SaleUnitName as string,
      msn: u.SerialNumber as string,
      organizationName: u.OrganizationName as string,
      organizationNumber: u.OrganizationNumber as string,
      address: u.MainAddress as string,
      zipCode: u.MainAddressZipCode as string,
      city: u.MainAddressCity as string,
      countryCode: (u.MainAddressCountryCode as string) ?? '',
      accountNumber: p.SettlementAccountNum as string,
      reportDateFrom: p.ReportDateFrom as string,
      reportDateTo: p.ReportDateTo as string,
      currency: p.SettlementCurrencyCode as string,
      ...(p.ReportReferenceNum !== undefined ? { referenceNumber: p.ReportReferenceNum as string } : {}),
      settlements,
    };
  });
  return { salesUnits: units };
}

/** Totals printed in an example file, per settlement id, in øre. */
export function exampleTotals(file: string): Map<number, XmlTotals> {
  return totalsInXml(readFileSync(path.join(SAMPLES, file), 'utf8'));
}

export interface XmlTotals {
  date: string;
  count: number;
  capture: number;
  refund: number;
  gross: number;
  net: number;
  fee: number;
  settled: number;
}

/** The totals an XML v3 report prints, per settlement id, in øre. */
export function totalsInXml(text: string): Map<number, XmlTotals> {
  const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true });
  const doc = parser.parse(text) as { SettlementReport: Node };
  const out = new Map<number, XmlTotals>();
  for (const u of list(doc.SettlementReport.SettlementDetailsInfo as Node | Node[])) {
    for (const s of list((u.PaymentsInfo as Node).SettlementInfo as Node | Node[])) {
      out.set(Number(s.SettlementID), {
        date: s.SettlementDate as string,
        count: Number(s.NumOfTransactions),
        capture: ore(s.CaptureSettlementAmount as string),
        refund: ore(s.RefundSettlementAmount as string),
        gross: ore(s.GrossSettlementAmount as string),
        net: ore(s.NetSettlementAmount as string),
        fee: ore(s.FeeSettlementAmount as string),
        settled: ore(s.SettledAmount as string),
      });
    }
  }
  return out;
}

export async function collect(chunks: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const c of chunks) text += typeof c === 'string' ? c : c.toString('utf8');
  return text;
}
