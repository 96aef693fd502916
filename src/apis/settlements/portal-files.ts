/**
 * The merchant portal's settlements page (platform.salesUnits): a sales unit's settlements as the
 * files it downloads, newest first, served by the report downloads on the control API.
 */
import type { SettlementFileView, SettlementsProvider } from '../../platform/sales-unit-settings.js';
import { settlementStore, type Db } from './store.js';

const FORMATS = [
  { ext: 'xml', text: 'XML v3' },
  { ext: 'csv', text: 'CSV' },
  { ext: 'xlsx', text: 'Excel' },
  { ext: 'pdf', text: 'PDF' },
] as const;

export function portalSettlementFiles(db: Db): SettlementsProvider {
  return {
    async list(msn: string): Promise<SettlementFileView[]> {
      const settlements = await settlementStore.settlements(db, { msns: [msn] });
      return settlements
        .sort((a, b) => (a.settlementDate === b.settlementDate ? b.settlementId.localeCompare(a.settlementId) : b.settlementDate.localeCompare(a.settlementDate)))
        .flatMap((s) =>
          FORMATS.map(({ ext, text }) => ({
            id: `${s.settlementId}.${ext}`,
            date: s.settlementDate,
            fileName: `${msn}-${s.settlementId}.${ext}`,
            href: `/devkit/v1/settlements/units/${msn}/settlements/${s.settlementId}/report.${ext}`,
            description: `${text} · settlement ${s.settlementId}, paid out ${s.payoutDate}`,
          })),
        );
    },
  };
}
