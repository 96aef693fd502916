import type { ApiModule } from '../module.js';
import { CHECKED_IN } from './domain.js';
import { qrControl } from './control.js';
import { qrErrorShape } from './errors.js';
import { qrMigrations } from './migrations.js';
import { qrRoutes } from './routes.js';
import { QrService } from './service.js';

/** QR API v1: merchant redirect and merchant callback QR codes, the one-time payment QR, customer exchange. */
export const qrModule: ApiModule = {
  name: 'qr',
  title: 'QR API',
  description: 'QR codes: merchant redirect and callback codes, one-time payment QRs, their images and check-ins',
  // The real API's base is {host}/qr: everything below it is this API's (image and scan links too).
  prefixes: ['/qr/'],
  errors: qrErrorShape,
  tables: [
    { name: 'qr_merchant_redirects', msnColumn: 'msn' },
    { name: 'qr_one_time_codes', msnColumn: 'msn' },
    { name: 'qr_merchant_callbacks', msnColumn: 'msn' },
    { name: 'qr_customer_tokens', msnColumn: 'msn' },
    // The users' own QRs belong to no sales unit: a merchant's reset keeps them.
    { name: 'qr_personal_codes' },
  ],
  migrations: qrMigrations,
  events: [{ type: CHECKED_IN, description: 'A user scanned a merchant callback QR (or a mapped MobilePay beacon): customerToken, merchantQrId, merchantSerialNumber, initiatedAt' }],
  start(platform) {
    const qr = new QrService({
      database: platform.database,
      clock: platform.clock,
      ids: platform.ids,
      publicUrl: platform.publicUrl,
      findUser: (phoneNumber, trx) => platform.users.find(phoneNumber, trx),
      publish: (trx, events) => platform.events.publish(trx, events),
    });
    return {
      routes: qrRoutes(qr, { credentials: platform, users: platform.users, merchantName: (msn) => platform.merchants.get(msn)?.name ?? `Merchant ${msn}` }),
      control: qrControl(qr, platform.users),
      // Codes whose time is up are deleted, as the real API deletes them (reads already ignore them).
      onClock: async () => void (await qr.expireDue()),
    };
  },
};
