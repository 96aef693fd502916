/**
 * The PDF settlement report: a summary without transaction lines, as the portal's PDF is. Company
 * and period, then per sales unit its settlements in a table (dates dd.MM.yy, decimal comma, fee
 * negative), and `Side n av m` on every page. Drawn with pdfkit in its built-in Helvetica, whose
 * WinAnsi encoding carries æøå and the en dash.
 */
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { SettlementReportModel } from './model.js';
import { settledAmount, totalsOf } from './model.js';
import { formatAccount, money, norwegianDate, shortNorwegianDate } from './format.js';

export const PDF_COLUMNS = ['Dato', 'Oppgjørs-ID', 'Brutto salg', 'Gebyr', 'Refundert', 'Oppgjørssum'] as const;
const COLUMN_X = [50, 115, 200, 290, 370, 455];
const COLUMN_WIDTH = 85;

export async function writeSettlementReportPdf(model: SettlementReportModel, stream: Writable): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: true, info: { Title: 'Vipps oppgjørsrapport', Author: 'Vipps AS' } });
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('close', resolve);
    stream.on('error', reject);
    doc.on('error', reject);
  });
  doc.pipe(stream);

  const first = model.salesUnits[0];
  const from = model.salesUnits.map((u) => u.reportDateFrom).sort()[0] ?? '';
  const to = model.salesUnits.map((u) => u.reportDateTo).sort().at(-1) ?? '';
  doc.font('Helvetica').fontSize(10);
  doc.text(`Foretak: ${first?.organizationName ?? ''}`);
  doc.text(`Organisasjonsnummer: ${first?.organizationNumber ?? ''}`);
  doc.text(`Rapporteringsperiode: ${from ? norwegianDate(from) : ''} – ${to ? norwegianDate(to) : ''}`);
  doc.moveDown();
  doc.font('Helvetica-Bold').fontSize(16).text('OPPGJØR');
  doc.font('Helvetica').fontSize(10);

  const bottom = doc.page.height - doc.page.margins.bottom - 20;
  const tableRow = (cells: string[], bold = false) => {
    if (doc.y > bottom) doc.addPage();
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    cells.forEach((cell, i) => doc.text(cell, COLUMN_X[i]!, y, { width: COLUMN_WIDTH - 5, align: i >= 2 ? 'right' : 'left', lineBreak: false }));
    doc.x = doc.page.margins.left;
    doc.y = y + 16;
  };

  for (const unit of model.salesUnits) {
    doc.moveDown();
    doc.font('Helvetica-Bold').text(`Salgssted: ${unit.name}`, doc.page.margins.left);
    doc.font('Helvetica');
    doc.text(`Vippsnummer: ${unit.msn}`);
    const types = [...new Set(unit.settlements.map((s) => s.type))];
    doc.text(`Oppgjørsform: ${types.map((t) => (t === 'Net' ? 'Netto' : 'Brutto')).join(', ')}`);
    doc.text(`Bankkonto: ${formatAccount(unit.accountNumber)}`);
    doc.moveDown(0.5);
    tableRow([...PDF_COLUMNS], true);
    for (const s of unit.settlements) {
      const t = await totalsOf(s);
      tableRow([
        shortNorwegianDate(s.settlementDate), String(s.settlementId), money(t.capture, true), money(-t.fee, true), money(t.refund, true),
        money(settledAmount(s.type, t), true),
      ]);
    }
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would start a new page: lift the margin while stamping.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font('Helvetica').fontSize(9).text(`Side ${i + 1} av ${range.count}`, 0, doc.page.height - 35, { align: 'center', width: doc.page.width });
    doc.page.margins.bottom = margin;
  }
  doc.end();
  await done;
}
