/**
 * Report downloads on the control API (the portal's *Rapporter*, and what the portal pages link to):
 *
 *   GET /devkit/v1/settlements/units/{msn}/settlements/{settlementId}/report.{ext}
 *   GET /devkit/v1/settlements/units/{msn}/report.{ext}?from=YYYY-MM-DD&to=YYYY-MM-DD
 *
 * ext ∈ xml, xml.zip, v2.xml, csv, xlsx, pdf. Streamed with a download file name
 * (`Vipps-oppgjørsrapport-<MSN>-<date>.<ext>`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../../platform/problems.js';
import { REPORT_FORMATS, REPORT_MEDIA_TYPES, isReportFormat, portalFileName, reportStream, type ReportFormat } from './index.js';
import { periodReport, settlementReport, type ReportReads } from './reads.js';

const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const FormatParam = Type.String({ description: `one of ${REPORT_FORMATS.join(', ')}` });

function formatOf(ext: string): ReportFormat {
  if (!isReportFormat(ext)) {
    const reason = `must be one of ${REPORT_FORMATS.join(', ')}`;
    throw new ProblemError({ ...problem(400, 'Bad Request', `Unknown report format "${ext}": ${reason}.`), extraDetails: [{ name: 'format', reason }] });
  }
  return ext;
}

/** RFC 5987 filename* for the non-ASCII name, and an ASCII fallback. */
function disposition(fileName: string): string {
  const ascii = fileName.replace(/ø/g, 'o').replace(/[^\x20-\x7e]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** The file's bytes, in the media type of the format asked for (documented; a stream is not serialized). */
const ReportFile = { description: 'The report file', content: Object.fromEntries([...new Set(Object.values(REPORT_MEDIA_TYPES))].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])) };

export const reportDownloads = (reads: ReportReads): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/units/:msn/settlements/:settlementId/report.:format',
    {
      schema: {
        summary: 'One settlement as a report file (XML v3, XML v2, xml.zip, CSV, XLSX, PDF)',
        params: Type.Object({ msn: Type.String(), settlementId: Type.String(), format: FormatParam }),
        produces: Object.values(REPORT_MEDIA_TYPES),
        response: { 200: ReportFile },
      },
    },
    async (request, reply) => {
      const { msn, settlementId } = request.params;
      const format = formatOf(request.params.format);
      const found = await settlementReport(reads, msn, settlementId);
      if (!found) throw new ProblemError(problem(404, 'Not Found', `Sales unit ${msn} has no settlement ${settlementId}.`));
      const name = portalFileName(msn, found.settlement.settlementDate, format);
      return reply
        .header('content-type', REPORT_MEDIA_TYPES[format])
        .header('content-disposition', disposition(name))
        .send(reportStream(format, found.model, name.replace(/\.zip$/, '')));
    },
  );

  app.get(
    '/units/:msn/report.:format',
    {
      schema: {
        summary: "A sales unit's settlements dated in a period, as one report file",
        params: Type.Object({ msn: Type.String(), format: FormatParam }),
        querystring: Type.Object({ from: IsoDate, to: IsoDate }),
        produces: Object.values(REPORT_MEDIA_TYPES),
        response: { 200: ReportFile },
      },
    },
    async (request, reply) => {
      const { msn } = request.params;
      const { from, to } = request.query;
      const format = formatOf(request.params.format);
      if (from > to) throw new ProblemError({ ...problem(400, 'Bad Request', 'from must not be after to.'), extraDetails: [{ name: 'from', reason: 'after to' }] });
      const model = await periodReport(reads, msn, from, to);
      if (!model) throw new ProblemError(problem(404, 'Not Found', `Sales unit ${msn} has no settlement dated ${from} – ${to}.`));
      const name = portalFileName(msn, to, format);
      return reply
        .header('content-type', REPORT_MEDIA_TYPES[format])
        .header('content-disposition', disposition(name))
        .send(reportStream(format, model, name.replace(/\.zip$/, '')));
    },
  );
};
