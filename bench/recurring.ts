/**
 * Recurring v3: agreement create (draft) and charge create throughput beside a bare `node:http`
 * JSON server measured in the same run with the very same requests (autocannon in this process,
 * both servers in child processes of their own, bench/server-child.ts; see bench/epayment.ts for
 * why), and the calendar: 100,000 due charges processed after one clock jump — time, and the
 * server's peak memory during the jump (VmHWM, reset just before it through /proc/<pid>/clear_refs).
 *
 * The emulators run on durable SQLite files with rate limits off (the documented 2 charge creates a
 * minute per agreement and key would measure the limiter); the calendar's is `vipps-devkit serve`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { BenchFailure } from './failure.js';
import { pool } from './serve-process.js';
import type { BenchFigure } from './figure.js';
import type { ChildPhase, ChildReady, ParentMessage } from './server-child.js';

const WARMUP_S = 1;
const MEASURE_S = 5;
const CONNECTIONS = 50;
const CONCURRENCY = 4;
/** Alternating bare/emulator pairs per throughput figure (BENCH_RECURRING_ROUNDS). */
const ROUNDS = Number(process.env.BENCH_RECURRING_ROUNDS ?? 3);
const DUE_CHARGES = Number(process.env.BENCH_RECURRING_CHARGES ?? 100_000);
const BATCH = 1000;
const progress = (line: string) => process.stderr.write(`  [recurring] ${line}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

/** Peak resident memory of a process since the last reset, in MB (Linux). */
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const resetPeak = (pid: number) => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not Linux, or not allowed: the peak then covers the whole run */
  }
};

const draftBody = (i: number) => JSON.stringify({
  pricing: { type: 'LEGACY', amount: 100_000, currency: 'NOK' },
  interval: { unit: 'MONTH', count: 1 },
  merchantRedirectUrl: 'https://example.com/redirect',
  merchantAgreementUrl: 'https://example.com/agreement',
  phoneNumber: '4791234567',
  productName: `Bench ${i}`,
});
const dateIn = (days: number, from: Date) => new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);

type Banner = { url: string; merchantSerialNumber: string; clientId: string; clientSecret: string; subscriptionKey: string };

/** `vipps-devkit serve` on a fresh data directory: its banner and process. */
async function serve(dir: string, children: ChildProcess[]): Promise<{ banner: Banner; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/vipps-devkit.js'), 'serve', '--port', '0', '--no-dns', '--json', '--log-level', 'warn', '--rate-limits', 'off', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const banner = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))) as Banner;
  return { banner, child };
}

type Requests = NonNullable<autocannon.Options['requests']>;

/** Requests per second of one server over MEASURE_S, after a warm-up; every answer must be 201. With a phase, the server child brackets the measured run (event-loop use; BENCH_CPU_PROF: a CPU profile). */
async function load(name: string, url: string, headers: Record<string, string>, requests: () => Requests, figures: BenchFigure[], server?: Server, phase?: string): Promise<number> {
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, headers, requests: requests() });
  if (server && phase) await server.phase('phase-start', phase);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: MEASURE_S, headers, requests: requests() });
  const usage = server && phase ? await server.phase('phase-stop', phase) : undefined;
  const ok = Number(r.statusCodeStats?.['201']?.count ?? 0);
  const all = Object.values(r.statusCodeStats ?? {}).reduce((a, s) => a + Number(s?.count ?? 0), 0);
  if (ok !== all || r.errors > 0) throw new BenchFailure(`${name}: ${all - ok} answers were not 201 (${JSON.stringify(r.statusCodeStats)}), ${r.errors} errors`, figures);
  const cpu = usage ? `, server CPU ${(usage.cpuUs / Math.max(1, all)).toFixed(0)} µs/request` : '';
  progress(`${name}: ${r.requests.average.toFixed(0)} req/s, p99 ${r.latency.p99} ms${cpu}`);
  if (usage) progress(usage.report.replace(/\n/g, '\n  [recurring] '));
  return r.requests.average;
}

/**
 * The emulator beside the bare server in ROUNDS alternating pairs (bare, emulator, bare, …): the
 * machine is shared, and a burst of other work during one measurement would otherwise decide the
 * ratio. The figure is the pair with the median ratio.
 */
async function paired(what: string, bare: Server, emulator: Server, headers: Record<string, string>, requests: () => Requests, figures: BenchFigure[]): Promise<BenchFigure> {
  const pairs: Array<{ bare: number; emu: number }> = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    const b = await load(`${what}, bare node:http, round ${round}`, bare.url, headers, requests, figures);
    const e = await load(`${what}, emulator, round ${round}`, emulator.url, headers, requests, figures, emulator, `emulator-${what.replace(/\W+/g, '-')}-${round}`);
    pairs.push({ bare: b, emu: e });
    progress(`${what}, round ${round}: ratio ${(e / b).toFixed(3)}`);
  }
  pairs.sort((x, y) => x.emu / x.bare - y.emu / y.bare);
  const median = pairs[Math.floor(pairs.length / 2)]!;
  progress(`${what}: ratios ${pairs.map((p) => (p.emu / p.bare).toFixed(3)).join(', ')}; median ${(median.emu / median.bare).toFixed(3)}`);
  return { name: `recurring ${what} (durable SQLite, median of ${ROUNDS} rounds)`, value: median.emu, unit: 'req/s', baseline: { name: 'bare node:http POST', value: median.bare }, ratio: median.emu / median.bare };
}

interface Server {
  url: string;
  merchant?: ChildReady['merchant'];
  phase(type: 'phase-start' | 'phase-stop', name: string): Promise<ChildPhase>;
}

/** A server child (bench/server-child.ts): `bare`, or `emulator <sqlite file>`. */
async function child(args: string[], children: ChildProcess[]): Promise<Server> {
  const c = fork(path.join(here, 'server-child.js'), args, { stdio: ['ignore', 2, 2, 'ipc'], execArgv: [] });
  children.push(c);
  const ready = await new Promise<ChildReady>((resolve, reject) => {
    c.once('exit', (code) => reject(new Error(`server child ${args[0]} exited (${code})`)));
    c.once('message', (m: ChildReady) => resolve(m));
  });
  const phase = (type: 'phase-start' | 'phase-stop', name: string) =>
    new Promise<ChildPhase>((resolve) => {
      const on = (m: ChildPhase) => {
        if (m.type !== 'phase' || m.name !== name) return;
        c.off('message', on);
        resolve(m);
      };
      c.on('message', on);
      c.send({ type, name } satisfies ParentMessage);
    });
  return { url: ready.url, ...(ready.merchant ? { merchant: ready.merchant } : {}), phase };
}

export default async function recurringBench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-bench-recurring-'));
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.once('exit', stop);
  const figures: BenchFigure[] = [];
  try {
    const bare = await child(['bare'], children);
    const emulator = await child(['emulator', path.join(dir, 'throughput.sqlite')], children);
    const m = emulator.merchant!;
    const client = new Agent({ connections: CONCURRENCY });
    const call = async (base: string, method: 'POST' | 'GET' | 'PATCH', p: string, headers: Record<string, string>, body: string | undefined, expect: number) => {
      const res = await request(`${base}${p}`, { method, headers, ...(body ? { body } : {}), dispatcher: client, headersTimeout: 600_000, bodyTimeout: 600_000 });
      const text = await res.body.text();
      if (res.statusCode !== expect) throw new BenchFailure(`${method} ${p}: ${res.statusCode} ${text.slice(0, 300)}`, figures);
      return text;
    };
    const tokenOf = async (url: string, x: { clientId: string; clientSecret: string; subscriptionKey: string }) =>
      JSON.parse(await call(url, 'POST', '/accesstoken/get', { client_id: x.clientId, client_secret: x.clientSecret, 'ocp-apim-subscription-key': x.subscriptionKey }, undefined, 200)).access_token as string;
    const headers = { authorization: `Bearer ${await tokenOf(emulator.url, m)}`, 'ocp-apim-subscription-key': m.subscriptionKey, 'merchant-serial-number': m.msn, 'content-type': 'application/json' };

    let serial = 0;
    const drafts = (): Requests => [{ method: 'POST', path: '/recurring/v3/agreements', setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': `d${(serial += 1)}` }, body: draftBody(serial) }) }];
    progress(`agreement drafts: bare node:http at ${bare.url}, the emulator at ${emulator.url}, ${CONNECTIONS} connections, ${MEASURE_S} s a run, ${ROUNDS} alternating rounds`);
    // BENCH_RECURRING_ROUNDS=0: the calendar figures alone.
    if (ROUNDS > 0) figures.push(await paired('agreement draft', bare, emulator, headers, drafts, figures));

    const agreementId = (JSON.parse(await call(emulator.url, 'POST', '/recurring/v3/agreements', { ...headers, 'idempotency-key': 'bench-agreement' }, draftBody(0), 201)) as { agreementId: string }).agreementId;
    await call(emulator.url, 'PATCH', `/recurring/v3/agreements/${agreementId}/accept`, { ...headers, 'idempotency-key': 'bench-accept' }, JSON.stringify({ phoneNumber: '4791234567' }), 204);
    const now = new Date();
    const chargePath = `/recurring/v3/agreements/${agreementId}/charges`;
    const charges = (): Requests => [{
      method: 'POST',
      path: chargePath,
      setupRequest: (req) => {
        const i = (serial += 1);
        return { ...req, headers: { ...req.headers, 'idempotency-key': `c${i}` }, body: JSON.stringify({ amount: 1000, transactionType: 'DIRECT_CAPTURE', description: `Bench ${i}`, due: dateIn(1 + (i % 28), now), retryDays: 2 }) };
      },
    }];
    if (ROUNDS > 0) figures.push(await paired('charge create', bare, emulator, headers, charges, figures));

    // The calendar, on a `serve` of its own: DUE_CHARGES charges due over the next 28 days, then one jump of 40 days.
    const { banner, child: server } = await serve(path.join(dir, 'calendar'), children);
    const token = () => tokenOf(banner.url, banner);
    const auth = { authorization: `Bearer ${await token()}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber, 'content-type': 'application/json' };
    progress(`creating ${DUE_CHARGES} charges (batch endpoint, ${BATCH} a request)`);
    const other = (JSON.parse(await call(banner.url, 'POST', '/recurring/v3/agreements', { ...auth, 'idempotency-key': 'bench-agreement-2' }, draftBody(1), 201)) as { agreementId: string }).agreementId;
    await call(banner.url, 'PATCH', `/recurring/v3/agreements/${other}/accept`, { ...auth, 'idempotency-key': 'bench-accept-2' }, JSON.stringify({ phoneNumber: '4791234567' }), 204);
    await pool(Math.ceil(DUE_CHARGES / BATCH), CONCURRENCY, async (b) => {
      const items = Array.from({ length: Math.min(BATCH, DUE_CHARGES - b * BATCH) }, (_, k) => {
        const i = b * BATCH + k;
        return { agreementId: other, orderId: `due-${i}`, amount: 1000, transactionType: i % 2 ? 'RESERVE_CAPTURE' : 'DIRECT_CAPTURE', description: 'Due', due: dateIn(1 + (i % 28), now), retryDays: 1 };
      });
      const r = JSON.parse(await call(banner.url, 'POST', '/recurring/v3/agreements/charges', { ...auth, 'idempotency-key': `batch-${b}` }, JSON.stringify(items), 202)) as { validCharges: string[] };
      if (r.validCharges.length !== items.length) throw new BenchFailure(`batch ${b}: only ${r.validCharges.length} of ${items.length} valid`, figures);
    });
    const before = rssMb(server.pid!);
    resetPeak(server.pid!);
    // What the resident memory is made of at its largest (sampled): the heap and SQLite (anonymous) or mapped files.
    const parts = { anon: 0, file: 0 };
    const sampler = setInterval(() => {
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      parts.anon = Math.max(parts.anon, Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
      parts.file = Math.max(parts.file, Number(/RssFile:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    }, 50);
    const t0 = performance.now();
    const advanced = await call(banner.url, 'POST', '/devkit/v1/clock/advance', { 'content-type': 'application/json' }, JSON.stringify({ duration: '40d' }), 200).finally(() => clearInterval(sampler));
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssMb(server.pid!);
    const last = JSON.parse(await call(banner.url, 'GET', `/recurring/v3/charges/due-${DUE_CHARGES - 1}`, { ...auth, authorization: `Bearer ${await token()}` }, undefined, 200)) as { status: string };
    if (last.status !== 'RESERVED' && last.status !== 'CHARGED') throw new BenchFailure(`after the jump the last charge is ${last.status}: ${advanced}`, figures);
    progress(`${DUE_CHARGES} due charges processed in ${seconds.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB (${before.toFixed(0)} MB when the jump began; largest samples: anonymous ${parts.anon.toFixed(0)} MB, files ${parts.file.toFixed(0)} MB)`);
    figures.push({ name: `${DUE_CHARGES} due charges after a 40-day clock jump`, value: seconds, unit: 's' });
    figures.push({ name: 'peak server memory during that jump', value: peak, unit: 'MB' });
    await client.close();
    return figures;
  } finally {
    stop();
    process.removeListener('exit', stop);
    rmSync(dir, { recursive: true, force: true });
  }
}
