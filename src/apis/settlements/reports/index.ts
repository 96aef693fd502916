/**
 * One door to every report format: a byte stream of the report, its media type and its file name.
 * The control API's download and the SFTP server both go through here.
 */
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SettlementReportModel } from './model.js';
import { settlementReportCsv } from './csv.js';
import { settlementReportXmlV2, settlementReportXmlV3 } from './xml.js';

// exceljs, pdfkit and archiver are loaded when a file of theirs is asked for, not when the
// emulator starts: together they cost most of a second of start-up.

export const REPORT_FORMATS = ['xml', 'xml.zip', 'csv', 'xlsx', 'pdf', 'v2.xml'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_MEDIA_TYPES: Record<ReportFormat, string> = {
  xml: 'application/xml; charset=utf-8',
  'v2.xml': 'application/xml; charset=utf-8',
  'xml.zip': 'application/zip',
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** Text chunks as bytes, pulled only as fast as the reader takes them. */
function textStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(
    (async function* () {
      for await (const c of chunks) yield Buffer.from(c, 'utf8');
    })(),
    { objectMode: false },
  );
}

function fromWriter(write: (out: Writable) => Promise<void>): Readable {
  const out = new PassThrough();
  write(out).catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

/**
 * The report as a byte stream. `entryName` names the XML inside an `xml.zip` (the published archive
 * holds one entry named like the archive without `.zip`).
 */
export function reportStream(format: ReportFormat, model: SettlementReportModel, entryName = 'settlement-report.xml'): Readable {
  switch (format) {
    case 'xml':
      return textStream(settlementReportXmlV3(model));
    case 'v2.xml':
      return textStream(settlementReportXmlV2(model));
    case 'csv':
      return textStream(settlementReportCsv(model));
    case 'xlsx':
      return fromWriter(async (out) => (await import('./xlsx.js')).writeSettlementReportXlsx(model, out));
    case 'pdf':
      return fromWriter(async (out) => (await import('./pdf.js')).writeSettlementReportPdf(model, out));
    case 'xml.zip':
      return fromWriter(async (out) => {
        const { default: archiver } = await import('archiver');
        const zip = archiver('zip', { zlib: { level: 6 } });
        const xml = textStream(settlementReportXmlV3(model));
        xml.on('error', (error) => zip.destroy(error));
        zip.append(xml, { name: entryName });
        const piped = pipeline(zip, out);
        await zip.finalize();
        await piped;
      });
  }
}

/** Portal-style file name: `Vipps-oppgjørsrapport-<MSN>-<YYYY-MM-DD>.<ext>`. */
export function portalFileName(msn: string, date: string, format: ReportFormat): string {
  return `Vipps-oppgjørsrapport-${msn}-${date}.${format}`;
}

/** SFTP file name: `<MSN>-<settlement number>.<ext>`. */
export function sftpFileName(msn: string, settlementId: string | number, format: ReportFormat): string {
  return `${msn}-${settlementId}.${format}`;
}
