import type { ApiModule } from '../module.js';
import { settlementControl } from './control.js';
import { reportErrorShape } from './errors.js';
import { settlementMigrations } from './migrations.js';
import { reportRoutes } from './routes.js';
import { SettlementService } from './service.js';
import { startReportChannels } from './reports/channels.js';
import { sftpMigrations } from './sftp/store.js';
import { portalSettlementFiles } from './portal-files.js';

/**
 * Settlements and the Report API: every capture and refund of every payment API becomes a ledger
 * entry (the money-movement port), ledger dates close on the emulator clock (Oslo time, Norwegian
 * bank days), settlements pay out; the Report API reads the ledgers. See docs/settlements.md.
 */
export const settlementsModule: ApiModule = {
  name: 'settlements',
  title: 'Report API',
  description: 'Settlements (ledger, daily payouts on Norwegian bank days) and the Report API: ledgers, funds and fees',
  prefixes: ['/settlement/', '/report/'],
  errors: reportErrorShape,
  tables: [
    { name: 'settlement_units', msnColumn: 'msn' },
    { name: 'settlement_transactions', msnColumn: 'msn' },
    { name: 'settlement_entries', msnColumn: 'msn' },
    { name: 'settlements', msnColumn: 'msn' },
    { name: 'settlement_sftp_users' },
    { name: 'settlement_sftp_archived', msnColumn: 'msn' },
  ],
  migrations: { ...settlementMigrations, ...sftpMigrations },
  async start(platform) {
    const service = new SettlementService({
      database: platform.database,
      clock: platform.clock,
      merchant: (msn) => platform.merchants.get(msn),
    });
    platform.movements.recordWith((trx, movements) => service.record(trx, movements));
    platform.salesUnits.provideSettlements(portalSettlementFiles(platform.database.db));
    // Report files: downloads on the control API, the SFTP service (settle-reports).
    const channels = await startReportChannels(platform);
    const control = settlementControl(service, { database: platform.database.db, merchants: platform.merchants, ids: platform.ids });
    return {
      routes: reportRoutes({ credentials: platform, service, database: platform.database.db }),
      control: async (app) => {
        await app.register(control);
        await app.register(channels.control);
      },
      close: () => channels.close(),
      onClock: async () => void (await service.closeDue()),
    };
  },
};
