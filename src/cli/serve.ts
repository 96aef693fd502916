import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DatabaseConfig } from '../db/open.js';
import { ids } from '../platform/ids.js';
import { DEFAULT_CONNECTION_LIMITS } from '../server/connections.js';
import { limitHeapGrowth } from '../server/heap-growth.js';
import { isLoopbackHost } from '../platform/url-policy.js';
import { dataDirStateFile, removeEmulatorState, userStateFile, writeEmulatorState } from './emulator-state.js';
import { explainStartupFailure } from './startup-failure.js';

export const DEFAULT_PORT = 8765;

/**
 * The built-in DNS server's port when --dns-port is not given: derived from the HTTP port, so two
 * emulators on different ports never ask for the same one (8765 → 8053, the long-standing default;
 * 28765 → 28053). Where that would be a privileged port (or --port 0), a free one is picked.
 */
export function derivedDnsPort(httpPort: number): number {
  const dns = httpPort - 712;
  return dns >= 1024 ? dns : 0;
}

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535; 0 picks a free one)');
  return n;
};

const positiveNumber = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

const milliseconds = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 3_600_000) throw new InvalidArgumentError('must be a whole number of milliseconds from 1 to 3600000');
  return n;
};

const count = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 1_000_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000000');
  return n;
};

const hostList = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((h) => h.trim()).filter(Boolean)];

const retries = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 20) throw new InvalidArgumentError('must be a whole number from 0 to 20');
  return n;
};

/**
 * The control API's token: the one given, or a generated one (printed in the banner) whenever the
 * emulator listens beyond loopback. An empty or blank value counts as not given, so
 * `--admin-token ''` or `VIPPS_DEVKIT_ADMIN_TOKEN=` never leaves the control API open to the network.
 */
export function adminTokenFor(given: string | undefined, host: string): string | undefined {
  const token = given?.trim() ? given.trim() : undefined;
  return token ?? (isLoopbackHost(host) ? undefined : ids.token(24));
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('start the emulator on one port: every emulated Vipps API, the simulated app, the portal, the status page and the control API')
    .addOption(new Option('-p, --port <port>', 'port to listen on (0 picks a free one)').default(DEFAULT_PORT).env('VIPPS_DEVKIT_PORT').argParser(port))
    .addOption(new Option('-H, --host <address>', 'address to listen on; beyond loopback the control API needs the admin token').default('127.0.0.1').env('VIPPS_DEVKIT_HOST'))
    .addOption(new Option('-d, --data-dir <dir>', 'where the embedded SQLite database and keys live').default('./.vipps-devkit').env('VIPPS_DEVKIT_DATA_DIR'))
    .option('--ephemeral', 'keep everything in memory; nothing survives the process')
    .addOption(new Option('--database-url <url>', 'use PostgreSQL (postgres://...) instead of SQLite, for shared deployments').env('VIPPS_DEVKIT_DATABASE_URL'))
    .addOption(new Option('--database-schema <name>', 'PostgreSQL schema to keep the tables in (created if missing): several emulator groups on one database').env('VIPPS_DEVKIT_DATABASE_SCHEMA'))
    .addOption(new Option('--admin-token <token>', 'token the control API requires (default: generated when not on loopback; empty counts as unset)').env('VIPPS_DEVKIT_ADMIN_TOKEN'))
    .addOption(new Option('--allowed-host <name>', 'a host name the control API and pages answer to besides localhost and loopback addresses (repeatable, comma-separated; .example.com for subdomains; all for any)').env('VIPPS_DEVKIT_ALLOWED_HOSTS').argParser(hostList))
    .addOption(new Option('--headers-timeout <ms>', 'time a client has to send all of a request\'s headers').default(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs).argParser(milliseconds))
    .addOption(new Option('--body-timeout <ms>', 'longest pause between two pieces of a request body').default(DEFAULT_CONNECTION_LIMITS.bodyTimeoutMs).argParser(milliseconds))
    .addOption(new Option('--request-timeout <ms>', 'time a client has to send a whole request, headers and body').default(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs).argParser(milliseconds))
    .addOption(new Option('--keep-alive-timeout <ms>', 'an idle keep-alive connection is closed after this').default(DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs).argParser(milliseconds))
    .addOption(new Option('--max-connections-per-client <n>', 'connections one client address may have open at once').default(DEFAULT_CONNECTION_LIMITS.maxConnectionsPerClient).argParser(count))
    .addOption(new Option('--max-connections <n>', 'connections open at once, all clients together').default(DEFAULT_CONNECTION_LIMITS.maxConnections).argParser(count))
    .addOption(new Option('--log-level <level>', 'log level (debug: one line per request)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .addOption(new Option('--log-format <format>', 'pretty: a line per event, coloured on a terminal; json: JSON lines for log tools').choices(['pretty', 'json']).default('pretty').env('VIPPS_DEVKIT_LOG_FORMAT'))
    .addOption(new Option('--dns-port <port>', 'port of the built-in DNS server on 127.0.0.1 (request-server names, apitest.vipps.no); default: the HTTP port - 712 (8765 → 8053), a free one if that is taken').env('VIPPS_DEVKIT_DNS_PORT').argParser(port))
    .option('--no-dns', 'do not start the built-in DNS server')
    .addOption(new Option('--https-port <port>', 'also serve every API over HTTPS on this port (443 for unmodified programs), with a certificate for apitest.vipps.no and api.vipps.no from the data directory\'s CA (vipps-devkit trust)').env('VIPPS_DEVKIT_HTTPS_PORT').argParser(port))
    .addOption(new Option('--environment <env>', 'environment the emulator plays; webhooks come from its request servers').choices(['mt', 'prod']).default('mt'))
    .addOption(new Option('--retry-compression <factor>', 'divide webhook retry delays by this factor (demos, tests)').default(1).argParser(positiveNumber))
    .addOption(new Option('--delivery-timeout <ms>', 'how long a webhook receiver may take to answer').default(10_000).argParser(positiveNumber))
    .addOption(new Option('--callback-retries <n>', 'retries of a failed eCom callback (real Vipps makes one attempt only)').default(0).argParser(retries))
    .addOption(new Option('--rate-limits <mode>', "the APIs' documented rate limits (429 over the limit); off for load tests").choices(['on', 'off']).default('on').env('VIPPS_DEVKIT_RATE_LIMITS'))
    .addOption(new Option('--sftp-port <port>', 'start the SFTP settlement-report service on 127.0.0.1 at this port (0 picks one)').env('VIPPS_DEVKIT_SFTP_PORT').argParser(port))
    .option('--json', 'print the start-up banner (URL, credentials) as one JSON line')
    .action(async (opts: {
      port: number; host: string; dataDir: string; ephemeral?: boolean; databaseUrl?: string; databaseSchema?: string; adminToken?: string; logLevel: string; logFormat: 'pretty' | 'json'; json?: boolean;
      dnsPort?: number; dns: boolean; httpsPort?: number; environment: 'mt' | 'prod'; retryCompression: number; deliveryTimeout: number; callbackRetries: number;
      allowedHost?: string[]; headersTimeout: number; bodyTimeout: number; requestTimeout: number; keepAliveTimeout: number;
      maxConnectionsPerClient: number; maxConnections: number;
      rateLimits: 'on' | 'off'; sftpPort?: number;
    }) => {
      const database: DatabaseConfig = opts.databaseUrl
        ? { kind: 'postgres', url: opts.databaseUrl, ...(opts.databaseSchema ? { schema: opts.databaseSchema } : {}) }
        : { kind: 'sqlite', file: opts.ephemeral ? ':memory:' : path.join(opts.dataDir, 'devkit.sqlite') };
      const adminToken = adminTokenFor(opts.adminToken, opts.host);
      let emulator;
      try {
        // Loaded here, not at the top: the other commands start without the whole emulator.
        const { startEmulator } = await import('../server/emulator.js');
        // The serve process is ours: V8 may grow its heap to twice the live size, not four times (decision 227).
        limitHeapGrowth();
        emulator = await startEmulator({
          database,
          host: opts.host,
          port: opts.port,
          logLevel: opts.logLevel,
          logFormat: opts.logFormat,
          ...(adminToken ? { adminToken } : {}),
          ...(opts.allowedHost ? { allowedHosts: opts.allowedHost } : {}),
          ...(opts.dns ? { dnsPort: opts.dnsPort ?? derivedDnsPort(opts.port) } : {}),
          // The CA lives in the data directory (trusted once, kept); --ephemeral keeps it in memory.
          ...(opts.httpsPort !== undefined ? { https: { port: opts.httpsPort, ...(opts.ephemeral ? {} : { caDir: opts.dataDir }) } } : {}),
          environment: opts.environment,
          retryCompression: opts.retryCompression,
          deliveryTimeoutMs: opts.deliveryTimeout,
          callbackRetries: opts.callbackRetries,
          ...(opts.sftpPort !== undefined ? { sftpPort: opts.sftpPort } : {}),
          rateLimits: opts.rateLimits === 'on',
          limits: {
            headersTimeoutMs: opts.headersTimeout,
            bodyTimeoutMs: opts.bodyTimeout,
            requestTimeoutMs: opts.requestTimeout,
            keepAliveTimeoutMs: opts.keepAliveTimeout,
            maxConnectionsPerClient: opts.maxConnectionsPerClient,
            maxConnections: opts.maxConnections,
          },
        });
      } catch (err) {
        // Why it could not start and what to do, never a stack trace (the details at --log-level debug).
        const { why, repair } = explainStartupFailure(err, { dataDir: opts.databaseUrl || opts.ephemeral ? undefined : path.resolve(opts.dataDir), port: opts.port, host: opts.host });
        process.stderr.write(`vipps-devkit serve could not start: ${why}\n${repair}\n`);
        if (opts.logLevel === 'debug' || opts.logLevel === 'trace') process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = 1;
        return;
      }
      const merchant = emulator.ctx.merchants.all()[0]!;
      const user = (await emulator.ctx.users.list())[0];
      const banner = {
        url: emulator.url,
        storage: database.kind === 'postgres' ? 'postgresql' : opts.ephemeral ? 'memory' : path.resolve(opts.dataDir),
        merchantSerialNumber: merchant.msn,
        clientId: merchant.clientId,
        clientSecret: merchant.clientSecret,
        subscriptionKey: merchant.subscriptionKey,
        testUserPhoneNumber: user?.phoneNumber,
        dns: emulator.ctx.dns ? `${emulator.ctx.dns.host}:${emulator.ctx.dns.port}` : null,
        ...(emulator.https ? { httpsUrl: emulator.https.url, caFile: emulator.https.ca.certFile ?? null } : {}),
        ...(adminToken ? { adminToken } : {}),
      };
      // Where the other commands find this emulator without --url (src/cli/emulator-state.ts);
      // recorded before the banner, so that whoever reads the banner finds the record too.
      const stateFiles = writeEmulatorState([...(banner.storage === path.resolve(opts.dataDir) ? [dataDirStateFile(opts.dataDir)] : []), userStateFile()], {
        url: banner.url,
        port: Number(new URL(banner.url).port),
        dns: banner.dns,
        ...(emulator.https ? { httpsUrl: emulator.https.url, ...(emulator.https.ca.certFile ? { caFile: emulator.https.ca.certFile } : {}) } : {}),
        ...(adminToken ? { adminToken } : {}),
        pid: process.pid,
        storage: banner.storage,
        startedAt: new Date().toISOString(),
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(banner)}\n`);
      } else {
        const lines = [
          `Vipps Devkit is running at ${banner.url}  (data: ${banner.storage})`,
          '',
          'Test merchant (use these as apitest.vipps.no credentials):',
          `  Merchant-Serial-Number       ${banner.merchantSerialNumber}`,
          `  client_id                    ${banner.clientId}`,
          `  client_secret                ${banner.clientSecret}`,
          `  Ocp-Apim-Subscription-Key    ${banner.subscriptionKey}`,
          `Test user phone number:        ${banner.testUserPhoneNumber ?? '(none)'}`,
          ...(banner.dns ? [`Built-in DNS (request servers): ${banner.dns}`] : []),
          ...(emulator.https
            ? [`HTTPS (apitest.vipps.no):       ${emulator.https.url}  CA: ${emulator.https.ca.certFile ?? '(in memory: --ephemeral)'}`, '  trust the CA with: vipps-devkit trust (docs/any-language.md)']
            : []),
          ...(adminToken ? ['', `Control API admin token:       ${adminToken}`] : []),
          '',
          `Dashboard: ${banner.url}/   Simulated Vipps app: ${banner.url}/app   Control API: ${banner.url}/devkit/v1/merchants`,
          'Stop with Ctrl+C.',
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      const stop = async (signal: string) => {
        emulator.app.log.info(`${signal}: shutting down`);
        removeEmulatorState(stateFiles);
        await emulator.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
}
