/**
 * `vipps-devkit servers`: Vipps' request servers for a merchant's firewall. list, resolve, rules,
 * watch (keeps rules current as DNS changes) and status (health of a running watch).
 * Results go to stdout, progress and logs to stderr; exit codes: 0 ok, 1 usage or internal error,
 * 2 degraded (some hosts failed), 3 failing (nothing usable / apply failed), 4 stale watcher.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ENVIRONMENT_DESCRIPTIONS,
  REQUEST_SERVER_ENVIRONMENTS,
  parseEnvironments,
  requestServers,
  type EnvironmentName,
} from '../environments/request-servers.js';
import { allAddresses, isEmptySet } from '../tools/allowlist/address-set.js';
import { commandApplier, writeAtomically } from '../tools/allowlist/applier.js';
import { parseServerAddress, systemResolver, type DnsServerAddress } from '../tools/allowlist/dns-client.js';
import { FORMATS, rendererFor, type RenderOptions } from '../tools/allowlist/renderers/index.js';
import { resolveRequestServers, type ResolveReport } from '../tools/allowlist/resolver.js';
import { EXIT_CODES, isStale, readStatus } from '../tools/allowlist/status.js';
import { createWatcher } from '../tools/allowlist/watcher.js';
import { recordedEmulatorDns } from './emulator-client.js';
import { activeServersCommand } from './servers-emulator.js';

const DEFAULT_NAME = 'vipps-request-servers';

const out = (text: string) => process.stdout.write(text);
const err = (text: string) => process.stderr.write(text.endsWith('\n') ? text : text + '\n');

function collectPorts(value: string, previous: number[]): number[] {
  const ports = value.split(',').map((part) => Number(part.trim()));
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError(`not a TCP port: ${value}`);
  }
  return [...new Set([...previous, ...ports])];
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`expected a positive number, got ${value}`);
  return number;
}

function parseSelector(value: string): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const [key, val] = pair.split('=');
    if (!key || val === undefined) throw new InvalidArgumentError(`selector must be key=value[,key=value], got ${value}`);
    selector[key.trim()] = val.trim();
  }
  return selector;
}

const envOption = () =>
  new Option('-e, --env <env>', 'environments: prod, dr, mt, production (prod+dr) or all; comma-separated').default('production');
const resolverOption = () => new Option('-r, --resolver <ip[:port]>', 'DNS server to ask; "emulator": the built-in one of the emulator serve recorded (default: first nameserver in /etc/resolv.conf)');
const timeoutOption = () => new Option('--timeout <ms>', 'per-query timeout in milliseconds').default(2000).argParser(positiveNumber);

type CommonOptions = { env: string; resolver?: string; timeout: number };

function resolverOf(options: CommonOptions): DnsServerAddress {
  if (options.resolver === 'emulator') return parseServerAddress(recordedEmulatorDns());
  return options.resolver ? parseServerAddress(options.resolver) : systemResolver();
}

function resolveFor(options: CommonOptions): Promise<ResolveReport> {
  return resolveRequestServers({ environments: parseEnvironments(options.env), server: resolverOf(options), timeoutMs: options.timeout });
}

function listCommand(): Command {
  return new Command('list')
    .description('print the request-server hostnames per environment (prod and dr are what a production shop must allow)')
    .addOption(envOption().default('all'))
    .option('--json', 'machine-readable output')
    .action((options: { env: string; json?: boolean }) => {
      const environments = parseEnvironments(options.env);
      if (options.json) {
        out(JSON.stringify(Object.fromEntries(environments.map((e) => [e, REQUEST_SERVER_ENVIRONMENTS[e]])), null, 2) + '\n');
        return;
      }
      for (const environment of environments) {
        out(`# ${environment}: ${ENVIRONMENT_DESCRIPTIONS[environment]}\n`);
        for (const hostname of REQUEST_SERVER_ENVIRONMENTS[environment]) out(`${hostname}\n`);
      }
    });
}

function resolveCommand(): Command {
  return new Command('resolve')
    .description('resolve A and AAAA of every request server, with TTLs, the union per environment and the failures')
    .addOption(envOption())
    .addOption(resolverOption())
    .addOption(timeoutOption())
    .option('--json', 'machine-readable output')
    .action(async (options: CommonOptions & { json?: boolean }) => {
      const report = await resolveFor(options);
      if (options.json) out(JSON.stringify(report, null, 2) + '\n');
      else out(formatReport(report));
      process.exitCode = report.failed.length === 0 ? 0 : isEmptySet(report.all) ? EXIT_CODES.failing : EXIT_CODES.degraded;
    });
}

function formatReport(report: ResolveReport): string {
  const lines = [`# resolved via ${report.resolver} at ${report.resolvedAt}`];
  for (const host of report.hosts) {
    if (host.error) lines.push(`${host.hostname}\tFAILED\t${host.error.code}`);
    for (const record of host.records) lines.push(`${host.hostname}\t${record.type}\t${record.address}\tttl=${record.ttl}`);
  }
  for (const [environment, set] of Object.entries(report.environments)) {
    lines.push(`# ${environment}: ${allAddresses(set).join(' ') || '(none)'}`);
  }
  if (report.failed.length) lines.push(`# failed: ${report.failed.map((f) => `${f.hostname} (${f.code})`).join(', ')}`);
  return lines.join('\n') + '\n';
}

type RulesOptions = CommonOptions & {
  format: string;
  port: number[];
  name: string;
  out?: string;
  allowPartial?: boolean;
  groupId?: string;
  network?: string;
  priority?: number;
  namespace?: string;
  selector?: Record<string, string>;
};

function addRuleOptions(command: Command): Command {
  return command
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).makeOptionMandatory())
    .option('-p, --port <port>', 'destination TCP port(s) to guard; repeat or comma-separate (required by packet filters and cloud rules)', collectPorts, [] as number[])
    .option('--name <name>', 'base name of sets, chains, rules and policies', DEFAULT_NAME)
    .option('--group-id <id>', 'AWS security group id')
    .option('--network <network>', 'GCP network (default global/networks/default)')
    .option('--priority <n>', 'GCP/Azure rule priority', (v) => Math.round(positiveNumber(v)))
    .option('--namespace <namespace>', 'Kubernetes namespace')
    .option('--selector <key=value,...>', 'Kubernetes pod labels of the callback receivers (default app=vipps-callbacks)', parseSelector);
}

function renderOptionsOf(options: RulesOptions): RenderOptions {
  return {
    ...(options.groupId ? { awsGroupId: options.groupId } : {}),
    ...(options.network ? { gcpNetwork: options.network } : {}),
    ...(options.priority ? { priority: options.priority } : {}),
    ...(options.namespace ? { k8sNamespace: options.namespace } : {}),
    ...(options.selector ? { k8sSelector: options.selector } : {}),
  };
}

function requirePorts(options: RulesOptions): void {
  if (rendererFor(options.format).needsPorts && options.port.length === 0) {
    throw new Error(`--format ${options.format} needs --port: the rules drop everybody else on those ports, so name the callback port(s) explicitly`);
  }
}

function rulesCommand(): Command {
  return addRuleOptions(new Command('rules'))
    .description('resolve the request servers now and print firewall or proxy rules for them')
    .addOption(envOption())
    .addOption(resolverOption())
    .addOption(timeoutOption())
    .option('-o, --out <file>', 'write to a file (atomically) instead of stdout')
    .option('--allow-partial', 'render even if some hostnames failed to resolve (their addresses will be missing)')
    .action(async (options: RulesOptions) => {
      requirePorts(options);
      const report = await resolveFor(options);
      for (const failure of report.failed) err(`${failure.hostname}: ${failure.code} (${failure.message})`);
      if (isEmptySet(report.all)) {
        err('no request server resolved: refusing to render rules that would block every callback');
        process.exitCode = EXIT_CODES.failing;
        return;
      }
      if (report.failed.length && !options.allowPartial) {
        err('some request servers did not resolve; rerun later, or pass --allow-partial (or use `servers watch`, which keeps last-known-good)');
        process.exitCode = EXIT_CODES.degraded;
        return;
      }
      const text = rendererFor(options.format).render({
        set: report.all,
        ports: options.port,
        environments: parseEnvironments(options.env),
        generatedAt: report.resolvedAt,
        name: options.name,
        options: renderOptionsOf(options),
      });
      if (options.out) {
        await writeAtomically(options.out, text);
        err(`wrote ${options.format} rules for ${allAddresses(report.all).length} addresses to ${options.out}`);
      } else out(text);
      process.exitCode = report.failed.length ? EXIT_CODES.degraded : 0;
    });
}

type WatchCliOptions = RulesOptions & {
  apply?: string;
  interval: number;
  minInterval: number;
  statusFile?: string;
  once?: boolean;
};

function watchCommand(): Command {
  return addRuleOptions(new Command('watch'))
    .description('keep rules current: re-resolve when TTLs expire, apply only on change, keep last-known-good on DNS failure')
    .addOption(envOption())
    .addOption(resolverOption())
    .addOption(timeoutOption())
    .option('--apply <command>', 'shell command that applies the rules; gets them on stdin (and $VIPPS_RULES_FILE with --out)')
    .option('-o, --out <file>', 'file to (atomically) write the rules to')
    .option('--interval <seconds>', 'longest time between checks, whatever the TTL', positiveNumber, 300)
    .option('--min-interval <seconds>', 'shortest time between checks, whatever the TTL', positiveNumber, 5)
    .option('--status-file <file>', 'JSON health file, rewritten after every check (also restores last-known-good on start)')
    .option('--once', 'check and apply once, then exit with the health as exit code')
    .action(async (options: WatchCliOptions) => {
      requirePorts(options);
      if (!options.apply && !options.out) throw new Error('watch needs --apply <command>, --out <file>, or both');
      const environments: EnvironmentName[] = parseEnvironments(options.env);
      const previous = options.statusFile ? await readStatus(options.statusFile) : undefined;
      const watcher = createWatcher({
        environments,
        server: resolverOf(options),
        renderer: rendererFor(options.format),
        render: { ports: options.port, name: options.name, options: renderOptionsOf(options) },
        apply: commandApplier({ command: options.apply, outFile: options.out }),
        schedule: { intervalMs: options.interval * 1000, minIntervalMs: Math.min(options.minInterval, options.interval) * 1000 },
        timeoutMs: options.timeout,
        statusFile: options.statusFile,
        initialHosts: previous?.hosts,
        initialApplied: previous?.applied,
        log: err,
      });
      if (options.once) {
        const result = await watcher.tick();
        process.exitCode = EXIT_CODES[result.health];
        return;
      }
      err(`watching ${requestServers(environments).length} request servers (${environments.join(', ')}) via ${options.resolver ?? 'system resolver'}`);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await watcher.run(controller.signal);
      err('stopped');
    });
}

function statusCommand(): Command {
  return new Command('status')
    .description('report the health of a running `servers watch` from its status file (exit 0 ok, 2 degraded, 3 failing, 4 stale)')
    .requiredOption('--status-file <file>', 'the file given to `servers watch --status-file`')
    .option('--json', 'print the whole status file')
    .action(async (options: { statusFile: string; json?: boolean }) => {
      const status = await readStatus(options.statusFile);
      if (!status) {
        err(`no readable status in ${options.statusFile}: is \`servers watch\` running?`);
        process.exitCode = EXIT_CODES.failing;
        return;
      }
      const stale = isStale(status, Date.now());
      if (options.json) out(JSON.stringify({ ...status, stale }, null, 2) + '\n');
      else {
        const count = status.applied.ipv4.length + status.applied.ipv6.length;
        out(`${stale ? 'stale' : status.health}: ${count} addresses applied, checked ${status.checkedAt}, next ${status.nextCheckAt}` +
          (status.failedHosts.length ? `, failing: ${status.failedHosts.map((f) => `${f.hostname} (${f.code})`).join(', ')}` : '') +
          (status.lastError ? `, last error: ${status.lastError}` : '') + '\n');
      }
      process.exitCode = stale ? EXIT_CODES.stale : EXIT_CODES[status.health];
    });
}

export function serversCommand(): Command {
  return new Command('servers')
    .description("Vipps' request servers (where callbacks come from): list, resolve, firewall rules, and a watcher that keeps them current")
    .addCommand(listCommand())
    .addCommand(resolveCommand())
    .addCommand(rulesCommand())
    .addCommand(watchCommand())
    .addCommand(statusCommand())
    .addCommand(activeServersCommand());
}
