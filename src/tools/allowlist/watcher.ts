/**
 * The watch loop: resolve, merge with last-known-good, diff against what is applied, apply only
 * on change, and sleep until the shortest TTL expires (bounded), backing off after failures.
 * Every change is logged with the addresses added and removed. It never applies an empty set.
 */
import type { EnvironmentName, RequestServer } from '../../environments/request-servers.js';
import { EMPTY_SET, describeDiff, diffSets, isEmptySet, isNoChange, type AddressDiff, type AddressSet } from './address-set.js';
import { ApplyError, type Applier } from './applier.js';
import { sleep as realSleep, systemClock, type Clock } from './clock.js';
import type { DnsServerAddress } from './dns-client.js';
import { DEFAULT_SCHEDULE, mergeLastKnownGood, nextDelayMs, type KnownHosts, type Schedule } from './last-known-good.js';
import type { RenderInput, Renderer } from './renderers/index.js';
import { resolveRequestServers, type ResolveReport } from './resolver.js';
import { writeStatus, type Health, type WatchStatus } from './status.js';

export type WatchOptions = {
  environments: readonly EnvironmentName[];
  server: DnsServerAddress;
  renderer: Renderer;
  /** Everything a renderer needs besides the set and time. */
  render: Omit<RenderInput, 'set' | 'generatedAt' | 'previous' | 'environments'>;
  apply: Applier;
  schedule?: Partial<Schedule>;
  timeoutMs?: number;
  statusFile?: string;
  /** Last-known-good to start from (e.g. read from the status file of a previous run). */
  initialHosts?: KnownHosts;
  /** What a previous run had applied: the first apply is still done, but logged as a diff from this. */
  initialApplied?: AddressSet;
  hosts?: readonly RequestServer[];
  clock?: Clock;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: (line: string) => void;
};

export type TickResult = { health: Health; changed: boolean; diff?: AddressDiff; delayMs: number; report: ResolveReport; error?: string };

export type Watcher = {
  tick(): Promise<TickResult>;
  /** Ticks until `signal` aborts; resolves with the last status. */
  run(signal: AbortSignal): Promise<WatchStatus>;
  status(): WatchStatus | undefined;
};

export function createWatcher(options: WatchOptions): Watcher {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const schedule: Schedule = { ...DEFAULT_SCHEDULE, ...options.schedule };
  let known: KnownHosts = { ...options.initialHosts };
  let applied: AddressSet = options.initialApplied ?? EMPTY_SET;
  let appliedRules: string | undefined;
  let failures = 0;
  let lastSuccessAt: string | undefined;
  let lastChangeAt: string | undefined;
  let current: WatchStatus | undefined;
  const stamp = () => new Date(clock.now()).toISOString();
  const say = (message: string) => log(`${stamp()} ${message}`);

  async function tick(): Promise<TickResult> {
    const report = await resolveRequestServers({ environments: options.environments, server: options.server, timeoutMs: options.timeoutMs, clock, hosts: options.hosts });
    const merged = mergeLastKnownGood(report, known);
    known = merged.hosts;
    for (const failure of report.failed) {
      const kept = merged.keptFromLastKnownGood.includes(failure.hostname) ? 'keeping its last-known-good addresses' : 'no earlier answer to keep';
      say(`${failure.hostname}: ${failure.code} (${failure.message}); ${kept}`);
    }

    let health: Health = report.failed.length ? 'degraded' : 'ok';
    let changed = false;
    let diff: AddressDiff | undefined;
    let error: string | undefined;
    if (isEmptySet(merged.set)) {
      health = 'failing';
      error = 'no request server resolved and nothing known from before; rules left untouched';
      say(error);
    } else {
      diff = diffSets(applied, merged.set);
      if (!isNoChange(diff) || appliedRules === undefined) {
        const rules = options.renderer.render({
          ...options.render,
          environments: options.environments,
          set: merged.set,
          previous: applied,
          generatedAt: report.resolvedAt,
        });
        try {
          await options.apply(rules, appliedRules);
          applied = merged.set;
          appliedRules = rules;
          changed = true;
          lastChangeAt = stamp();
          say(`applied ${options.renderer.format} rules: ${describeDiff(diff)} (${applied.ipv4.length + applied.ipv6.length} addresses)`);
        } catch (err) {
          health = 'failing';
          error = err instanceof Error ? err.message : String(err);
          const rolledBack = err instanceof ApplyError && err.rolledBack ? ' (rolled back)' : '';
          say(`apply failed${rolledBack}: ${error}`);
        }
      }
    }

    failures = health === 'ok' ? 0 : failures + 1;
    if (health !== 'failing') lastSuccessAt = stamp();
    const delayMs = nextDelayMs(schedule, { failures, minTtl: report.minTtl });
    current = {
      health,
      format: options.renderer.format,
      checkedAt: stamp(),
      nextCheckAt: new Date(clock.now() + delayMs).toISOString(),
      ...(lastSuccessAt ? { lastSuccessAt } : {}),
      ...(lastChangeAt ? { lastChangeAt } : {}),
      consecutiveFailures: failures,
      failedHosts: report.failed.map((f) => ({ hostname: f.hostname, code: f.code })),
      ...(error ? { lastError: error } : {}),
      applied,
      hosts: known,
    };
    if (options.statusFile) {
      await writeStatus(options.statusFile, current).catch((err: unknown) => say(`cannot write status file: ${String(err)}`));
    }
    return { health, changed, delayMs, report, ...(diff ? { diff } : {}), ...(error ? { error } : {}) };
  }

  return {
    tick,
    status: () => current,
    async run(signal) {
      while (!signal.aborted) {
        let delayMs = schedule.backoffBaseMs;
        try {
          delayMs = (await tick()).delayMs;
        } catch (err) {
          // Unexpected (a bug or a full disk): keep the rules in force and try again later.
          failures += 1;
          delayMs = nextDelayMs(schedule, { failures });
          say(`check failed: ${err instanceof Error ? err.message : String(err)}`);
        }
        await sleep(delayMs, signal);
      }
      return current!;
    },
  };
}
