import { startEmulator as startServer, type Emulator, type EmulatorOptions } from '../server/emulator.js';
import { routeVippsApisTo } from './route-to-emulator.js';
import { connectEmulator, type DevkitClient } from './devkit-client.js';

export interface TestEmulator extends Emulator, DevkitClient {
  readonly url: string;
  /** `127.0.0.1:PORT` of the built-in DNS server (request-server names), when started with `dnsPort`. */
  readonly dns: string | undefined;
  /** Sends this process' fetch calls for apitest.vipps.no / api.vipps.no here; returns the undo. */
  routeVippsApis(): () => void;
}

/**
 * An emulator for a test suite, with defaults a suite wants: in memory, 127.0.0.1, a free port,
 * warnings only, no DNS server. Every option of the server can still be given. The result is the
 * emulator and the typed helpers of `connectEmulator` on it.
 */
export async function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<TestEmulator> {
  const emulator = await startServer({ database: { kind: 'sqlite', file: ':memory:' }, host: '127.0.0.1', port: 0, logLevel: 'warn', ...options });
  const client = connectEmulator(emulator.url, options.adminToken ? { adminToken: options.adminToken } : {});
  const dns = emulator.ctx.dns ? `${emulator.ctx.dns.host}:${emulator.ctx.dns.port}` : undefined;
  return Object.assign(emulator, client, { url: emulator.url, dns, routeVippsApis: () => routeVippsApisTo(emulator.url) });
}
