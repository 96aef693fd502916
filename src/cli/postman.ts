import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { postmanEnvironment } from '../tools/postman/environment.js';
import { controlGet, withEmulatorTarget } from './emulator-client.js';

interface MerchantsView {
  merchants: Array<{ msn: string; name: string; clientId: string; clientSecret: string; subscriptionKey: string; testUsers: Array<{ phoneNumber: string }> }>;
}

export const DEFAULT_ENVIRONMENT_FILE = 'vipps-devkit.postman_environment.json';

/**
 * `vipps-devkit postman`: a Postman environment for the running emulator, so that the official
 * Vipps collections run against it unchanged (docs/postman.md).
 */
export function postmanCommand(): Command {
  return withEmulatorTarget(new Command('postman'))
    .description("write a Postman environment for the running emulator: the official Vipps collections' variables, the test merchant's keys and MSN, a test user's phone number")
    .option('-o, --output <file>', 'where to write it ("-" for stdout)', DEFAULT_ENVIRONMENT_FILE)
    .option('--msn <msn>', 'the merchant (default: the first, the seeded test merchant)')
    .option('--phone <msisdn>', 'the test user (default: the first test user)')
    .option('--base-url <url>', 'the URL Postman calls the emulator at (default: --url)')
    .option('--merchant-url <url>', "base of the shop's own endpoints (callbacks, fallBack, shipping details, consent removal, webhooks)", 'https://example.com')
    .option('--name <name>', 'the environment name Postman shows')
    .action(async (o: { url: string; adminToken?: string; output: string; msn?: string; phone?: string; baseUrl?: string; merchantUrl: string; name?: string }) => {
      const { merchants } = await controlGet<MerchantsView>(o, '/devkit/v1/merchants');
      const merchant = o.msn ? merchants.find((m) => m.msn === o.msn) : merchants[0];
      if (!merchant) throw new Error(o.msn ? `the emulator at ${o.url} has no merchant ${o.msn} (it has ${merchants.map((m) => m.msn).join(', ')})` : `the emulator at ${o.url} has no merchant`);
      const phone = o.phone ?? merchant.testUsers[0]?.phoneNumber;
      if (!phone) throw new Error(`the emulator at ${o.url} has no test user; create one with POST /devkit/v1/users`);
      if (o.phone && !merchant.testUsers.some((u) => u.phoneNumber === o.phone)) throw new Error(`the emulator at ${o.url} has no test user ${o.phone}`);
      const environment = postmanEnvironment({
        baseUrl: o.baseUrl ?? o.url,
        merchantSerialNumber: merchant.msn,
        clientId: merchant.clientId,
        clientSecret: merchant.clientSecret,
        subscriptionKey: merchant.subscriptionKey,
        phoneNumber: phone,
        merchantUrl: o.merchantUrl,
        ...(o.name ? { name: o.name } : {}),
      });
      const text = `${JSON.stringify(environment, null, 2)}\n`;
      if (o.output === '-') return void process.stdout.write(text);
      await writeFile(o.output, text);
      process.stderr.write(`Wrote ${path.resolve(o.output)}: ${environment.name}, MSN ${merchant.msn}, test user ${phone}.\nImport it into Postman with the official collections, select it, and send "Get Access Token" first.\n`);
    });
}
