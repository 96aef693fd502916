/**
 * Measurement aids for the server child (bench/server-child.ts), used only by the benchmarks:
 *
 * - startPhase(name): event-loop utilisation and delay over a measured run, always; with
 *   BENCH_CPU_PROF=<dir> also a V8 CPU profile of just that run, <dir>/<name>.cpuprofile.
 * - instrumentEmulator() (BENCH_INSTRUMENT=1): wraps, from the outside and without touching src/,
 *   better-sqlite3's Statement run/get/all (time per SQL text, on the main thread — this includes
 *   the fsync of COMMIT), Kysely's query compiler, and the group-commit CommandQueue (batch sizes,
 *   flush duration, enqueue-to-settled latency). Timing adds a little overhead of its own: read
 *   its figures as a breakdown, not as the throughput.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

type Stat = { count: number; ns: bigint; maxNs?: bigint };
const sql = new Map<string, Stat>();
const compile: Stat = { count: 0, ns: 0n };
const flushes = { count: 0, commands: 0, max: 0, ns: 0n };
const queued: Stat = { count: 0, ns: 0n };
let recording = false;
let instrumented = false;

const add = (s: Stat, ns: bigint) => {
  s.count += 1;
  s.ns += ns;
};
const normalise = (text: string) => text.replace(/\s+/g, ' ').replace(/\((?:\?, ?)+\?\)/g, '(?…)').slice(0, 110);

type AnyFn = (...args: unknown[]) => unknown;

export async function instrumentEmulator(): Promise<void> {
  if (instrumented) return;
  instrumented = true;
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const probe = new BetterSqlite3(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, AnyFn>;
  probe.close();
  for (const method of ['run', 'get', 'all']) {
    const original = statementProto[method]!;
    statementProto[method] = function (this: { source: string }, ...args: unknown[]) {
      if (!recording) return original.apply(this, args);
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const key = normalise(this.source);
        let s = sql.get(key);
        if (!s) sql.set(key, (s = { count: 0, ns: 0n, maxNs: 0n }));
        const ns = process.hrtime.bigint() - t0;
        add(s, ns);
        if (ns > s.maxNs!) s.maxNs = ns;
      }
    };
  }

  const kysely = await import('kysely');
  const compilerProto = kysely.DefaultQueryCompiler.prototype as unknown as Record<string, AnyFn>;
  const compileQuery = compilerProto.compileQuery!;
  compilerProto.compileQuery = function (this: unknown, ...args: unknown[]) {
    if (!recording) return compileQuery.apply(this, args);
    const t0 = process.hrtime.bigint();
    try {
      return compileQuery.apply(this, args);
    } finally {
      add(compile, process.hrtime.bigint() - t0);
    }
  };

  const { CommandQueue } = await import('../src/db/command-queue.js');
  const queueProto = CommandQueue.prototype as unknown as { flush: AnyFn; run: AnyFn; pending: unknown[]; maxBatch: number };
  const flush = queueProto.flush;
  queueProto.flush = async function (this: typeof queueProto) {
    if (!recording) return flush.call(this);
    const size = Math.min(this.pending.length, this.maxBatch);
    const t0 = process.hrtime.bigint();
    try {
      return await flush.call(this);
    } finally {
      flushes.count += 1;
      flushes.commands += size;
      flushes.max = Math.max(flushes.max, size);
      flushes.ns += process.hrtime.bigint() - t0;
    }
  };
  const run = queueProto.run;
  queueProto.run = function (this: unknown, ...args: unknown[]) {
    const promise = run.apply(this, args) as Promise<unknown>;
    if (recording) {
      const t0 = process.hrtime.bigint();
      const settled = () => add(queued, process.hrtime.bigint() - t0);
      promise.then(settled, settled);
    }
    return promise;
  };
}

export interface PhaseResult {
  report: string;
  /** CPU time (user + system) the process used during the phase, in microseconds */
  cpuUs: number;
  wallMs: number;
  /** event-loop utilisation, 0..1 */
  elu: number;
}

export interface Phase {
  stop(): Promise<PhaseResult>;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

export async function startPhase(name: string): Promise<Phase> {
  sql.clear();
  Object.assign(compile, { count: 0, ns: 0n });
  Object.assign(flushes, { count: 0, commands: 0, max: 0, ns: 0n });
  Object.assign(queued, { count: 0, ns: 0n });
  const profileDir = process.env.BENCH_CPU_PROF;
  let session: Session | undefined;
  if (profileDir) {
    session = new Session();
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 250 });
    await post(session, 'Profiler.start');
  }
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  recording = true;

  return {
    async stop() {
      recording = false;
      const wallNs = process.hrtime.bigint() - started;
      const utilisation = performance.eventLoopUtilization(elu).utilization;
      const used = process.cpuUsage(cpu);
      delay.disable();
      const ms = (ns: bigint | number) => Number(ns) / 1e6;
      const share = (ns: bigint) => `${((100 * Number(ns)) / Number(wallNs)).toFixed(1)}%`;
      const lines = [
        `phase ${name}: ${ms(wallNs).toFixed(0)} ms; event loop utilisation ${(100 * utilisation).toFixed(1)}%, loop delay p50 ${ms(delay.percentile(50)).toFixed(1)} ms, p99 ${ms(delay.percentile(99)).toFixed(1)} ms, max ${ms(delay.max).toFixed(1)} ms; ` +
          `CPU ${((used.user + used.system) / 1000 / ms(wallNs)).toFixed(2)} cores (user ${(used.user / 1000 / ms(wallNs)).toFixed(2)}, system ${(used.system / 1000 / ms(wallNs)).toFixed(2)})`,
      ];
      if (instrumented) {
        if (flushes.count > 0) {
          lines.push(
            `  group commit: ${flushes.count} flushes, ${flushes.commands} commands, mean batch ${(flushes.commands / flushes.count).toFixed(1)} (max ${flushes.max}), ` +
              `mean flush ${(ms(flushes.ns) / flushes.count).toFixed(2)} ms, flushing ${share(flushes.ns)} of the phase`,
          );
        }
        if (queued.count > 0) lines.push(`  queue: mean enqueue→settled ${(ms(queued.ns) / queued.count).toFixed(2)} ms over ${queued.count} commands`);
        const sqlTotal = [...sql.values()].reduce((a, s) => a + s.ns, 0n);
        lines.push(`  SQLite (synchronous, main thread): ${ms(sqlTotal).toFixed(0)} ms = ${share(sqlTotal)} of the phase`);
        lines.push(`  kysely compileQuery: ${compile.count} calls, ${ms(compile.ns).toFixed(0)} ms = ${share(compile.ns)}, mean ${((ms(compile.ns) * 1000) / Math.max(1, compile.count)).toFixed(1)} µs`);
        lines.push('      count    total ms   mean µs    max ms  statement');
        for (const [text, s] of [...sql].sort((a, b) => Number(b[1].ns - a[1].ns)).slice(0, 14)) {
          lines.push(`    ${String(s.count).padStart(7)}  ${ms(s.ns).toFixed(0).padStart(10)}  ${((ms(s.ns) * 1000) / s.count).toFixed(1).padStart(8)}  ${ms(s.maxNs ?? 0n).toFixed(2).padStart(8)}  ${text}`);
        }
      }
      if (session && profileDir) {
        const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
        session.disconnect();
        mkdirSync(profileDir, { recursive: true });
        const file = path.join(profileDir, `${name}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        lines.push(`  CPU profile: ${file}`);
      }
      return { report: lines.join('\n'), cpuUs: used.user + used.system, wallMs: ms(wallNs), elu: utilisation };
    },
  };
}
