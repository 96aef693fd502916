// Runs the shop against the emulator (or Vipps' test environment), configured as `vipps-devkit env` prints it:
//   npx vipps-devkit serve &
//   npx vipps-devkit env > .env              # keys, the URL and its DNS server (VIPPS_DNS)
//   node --env-file=.env examples/shop/start.js
import { startShop } from './shop.js';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`set ${name} (npx vipps-devkit env prints it)`);
  return value;
};

const shop = await startShop({
  vipps: {
    baseUrl: env('VIPPS_BASE_URL', 'https://apitest.vipps.no'),
    clientId: env('VIPPS_CLIENT_ID'),
    clientSecret: env('VIPPS_CLIENT_SECRET'),
    subscriptionKey: env('VIPPS_SUBSCRIPTION_KEY'),
    msn: env('VIPPS_MERCHANT_SERIAL_NUMBER'),
  },
  // The test environment's request servers, resolved by the emulator's DNS server.
  requestServers: { environments: [env('VIPPS_ENVIRONMENT', 'mt')], resolver: process.env.VIPPS_DNS },
  port: Number(env('PORT', '3000')),
});
console.log(`Example shop at ${shop.url}`);
