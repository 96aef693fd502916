import type { ApiModule } from '../module.js';
import { qrControl } from './control.js';
import { qrErrorShape } from './errors.js';
import { qrMigrations } from './migrations.js';
import { qrRoutes } from './routes.js';
import { QrService } from './service.js';

/** QR API v1: merchant redirect QR codes and the one-time payment QR. */
export const qrModule: ApiModule = {
  name: 'qr',
  title: 'QR API',
  description: 'QR codes: merchant redirect codes and one-time payment QRs, with their images',
  // The real API's base is {host}/qr: everything below it is this API's (image and scan links too).
  prefixes: ['/qr/'],
  errors: qrErrorShape,
  tables: [
    { name: 'qr_merchant_redirects', msnColumn: 'msn' },
    { name: 'qr_one_time_codes', msnColumn: 'msn' },
  ],
  migrations: qrMigrations,
  start(platform) {
    const qr = new QrService({ database: platform.database, clock: platform.clock, ids: platform.ids, publicUrl: platform.publicUrl });
    return {
      routes: qrRoutes(qr, platform),
      control: qrControl(qr),
      // Codes whose time is up are deleted, as the real API deletes them (reads already ignore them).
      onClock: async () => void (await qr.expireDue()),
    };
  },
};
