import { Command } from 'commander';
import { controlGet, withEmulatorTarget } from './emulator-client.js';

interface MerchantView {
  msn: string;
  name: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
  testUsers: Array<{ phoneNumber: string }>;
}

/** Quoted for a .env file (dotenv, Docker, shells): only when needed. */
const value = (v: string) => (/^[\w.:/@+=-]*$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`);

/** `vipps-devkit env`: a merchant's keys as a .env file, for a shop's configuration. */
export function envCommand(): Command {
  return withEmulatorTarget(new Command('env'))
    .description("print a test merchant's keys and the emulator's URL as a .env file (vipps-devkit env > .env)")
    .option('--msn <msn>', 'the merchant (default: the first)')
    .option('--prefix <prefix>', 'prefix of the variable names', 'VIPPS_')
    .option('--json', 'print as JSON')
    .action(async (o: { url: string; adminToken?: string; msn?: string; prefix: string; json?: boolean }) => {
      const target = { url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) };
      const { merchants } = await controlGet<{ merchants: MerchantView[] }>(target, '/devkit/v1/merchants');
      // Its DNS server, where the request servers' names resolve (for an allowlist guard, like examples/shop's).
      const { dns } = await controlGet<{ dns: { host: string; port: number } | null }>(target, '/devkit/v1/request-servers');
      const m = o.msn ? merchants.find((x) => x.msn === o.msn) : merchants[0];
      if (!m) throw new Error(o.msn ? `the emulator at ${o.url} has no merchant ${o.msn} (it has ${merchants.map((x) => x.msn).join(', ')})` : `the emulator at ${o.url} has no merchant`);
      const vars: Record<string, string> = {
        BASE_URL: o.url,
        MERCHANT_SERIAL_NUMBER: m.msn,
        CLIENT_ID: m.clientId,
        CLIENT_SECRET: m.clientSecret,
        SUBSCRIPTION_KEY: m.subscriptionKey,
        ...(m.testUsers[0] ? { TEST_USER_PHONE_NUMBER: m.testUsers[0].phoneNumber } : {}),
        ...(dns ? { DNS: `${dns.host}:${dns.port}` } : {}),
      };
      const named = Object.fromEntries(Object.entries(vars).map(([k, v]) => [`${o.prefix}${k}`, v]));
      process.stdout.write(o.json ? `${JSON.stringify(named, null, 2)}\n` : `# Vipps Devkit: merchant ${m.msn} (${m.name}) at ${o.url}\n${Object.entries(named).map(([k, v]) => `${k}=${value(v)}`).join('\n')}\n`);
    });
}
