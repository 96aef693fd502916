/**
 * Recurring v3: agreement create (draft) and charge create throughput beside a bare `node:http`
 * JSON server measured in the same run with the same client and concurrency (both servers in
 * child processes of their own; see bench/epayment.ts for why), and the calendar: 100,000 due
 * charges processed after one clock jump — time, and the server's peak memory during the jump
 * (VmHWM, reset just before it through /proc/<pid>/clear_refs).
 *
 * The emulator runs as `vipps-devkit serve` on a durable SQLite file with rate limits off (the
 * documented 2 charge creates a minute per agreement and key would measure the limiter).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { BenchFailure } from './failure.js';
import type { BenchFigure } from './figure.js';
import type { ChildReady } from './server-child.js';

const WARMUP = 300;
const REQUESTS = 2000;
const ROUNDS = 3;
const CONCURRENCY = 50;
const DUE_CHARGES = Number(process.env.BENCH_RECURRING_CHARGES ?? 100_000);
const BATCH = 1000;
const progress = (line: string) => process.stderr.write(`  [recurring] ${line}\n`);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

/** Peak resident memory of a process since the last reset, in MB (Linux). */
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
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

export default async function recurringBench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-bench-recurring-'));
  const children: ChildProcess[] = [];
  const bare = fork(path.join(here, 'server-child.js'), ['bare'], { stdio: ['ignore', 2, 2, 'ipc'], execArgv: [] });
  children.push(bare);
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
  };
  process.once('exit', stop);
  const figures: BenchFigure[] = [];
  try {
    let { banner, child } = await serve(path.join(dir, 'throughput'), children);
    const bareUrl = (await new Promise<ChildReady>((resolve) => bare.once('message', (m: ChildReady) => resolve(m)))).url;
    const client = new Agent({ connections: CONCURRENCY });
    const call = async (base: string, method: 'POST' | 'GET' | 'PATCH', p: string, headers: Record<string, string>, body: string | undefined, expect: number) => {
      const res = await request(`${base}${p}`, { method, headers, ...(body ? { body } : {}), dispatcher: client, headersTimeout: 600_000, bodyTimeout: 600_000 });
      const text = await res.body.text();
      if (res.statusCode !== expect) throw new BenchFailure(`${method} ${p}: ${res.statusCode} ${text.slice(0, 300)}`, figures);
      return text;
    };
    const token = async () => JSON.parse(await call(banner.url, 'POST', '/accesstoken/get', { client_id: banner.clientId, client_secret: banner.clientSecret, 'ocp-apim-subscription-key': banner.subscriptionKey }, undefined, 200)).access_token as string;
    let auth = { authorization: `Bearer ${await token()}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber, 'content-type': 'application/json' };
    let round = 0;
    const measure = async (name: string, work: (i: number) => Promise<void>) => {
      const offset = (round += 1) * 1_000_000;
      const t0 = performance.now();
      await pool(REQUESTS, CONCURRENCY, (i) => work(offset + i));
      const perSecond = REQUESTS / ((performance.now() - t0) / 1000);
      progress(`${name}: ${perSecond.toFixed(0)}/s`);
      return perSecond;
    };
    /**
     * The machine is shared (other processes take CPU in bursts): the bare server and the emulator
     * are measured in alternating rounds after a warm-up each, and each keeps its best round.
     */
    const compare = async (name: string, bareWork: (i: number) => Promise<void>, emuWork: (i: number) => Promise<void>) => {
      await pool(WARMUP, CONCURRENCY, (i) => bareWork(-1 - i));
      await pool(WARMUP, CONCURRENCY, (i) => emuWork(-1 - i));
      let bare = 0;
      let emu = 0;
      for (let r = 0; r < ROUNDS; r += 1) {
        bare = Math.max(bare, await measure(`bare node:http POST (${name} body)`, bareWork));
        emu = Math.max(emu, await measure(name, emuWork));
      }
      return { bare, emu };
    };

    progress(`${ROUNDS} rounds of ${REQUESTS} agreement drafts and charge creates, ${CONCURRENCY} at a time, against the emulator and bare node:http`);
    const { bare: bareDraft, emu: drafts } = await compare(
      'agreement draft',
      (i) => call(bareUrl, 'POST', '/recurring/v3/agreements', { 'content-type': 'application/json' }, draftBody(i), 201).then(() => undefined),
      (i) => call(banner.url, 'POST', '/recurring/v3/agreements', { ...auth, 'idempotency-key': `d${i}` }, draftBody(i), 201).then(() => undefined),
    );
    figures.push({ name: 'recurring agreement draft (durable SQLite)', value: drafts, unit: 'req/s', baseline: { name: 'bare node:http POST', value: bareDraft }, ratio: drafts / bareDraft });

    const agreementId = (JSON.parse(await call(banner.url, 'POST', '/recurring/v3/agreements', { ...auth, 'idempotency-key': 'bench-agreement' }, draftBody(0), 201)) as { agreementId: string }).agreementId;
    await call(banner.url, 'PATCH', `/recurring/v3/agreements/${agreementId}/accept`, { ...auth, 'idempotency-key': 'bench-accept' }, JSON.stringify({ phoneNumber: '4791234567' }), 204);
    const now = new Date();
    const chargeBody = (i: number) => JSON.stringify({ amount: 1000, transactionType: 'DIRECT_CAPTURE', description: `Bench ${i}`, due: dateIn(1 + (Math.abs(i) % 28), now), retryDays: 2 });
    const { bare: bareCharge, emu: charges } = await compare(
      'charge create',
      (i) => call(bareUrl, 'POST', `/recurring/v3/agreements/${agreementId}/charges`, { 'content-type': 'application/json' }, chargeBody(i), 201).then(() => undefined),
      (i) => call(banner.url, 'POST', `/recurring/v3/agreements/${agreementId}/charges`, { ...auth, 'idempotency-key': `c${i}` }, chargeBody(i), 201).then(() => undefined),
    );
    figures.push({ name: 'recurring charge create (durable SQLite)', value: charges, unit: 'req/s', baseline: { name: 'bare node:http POST', value: bareCharge }, ratio: charges / bareCharge });

    // The calendar, on a server of its own (the drafts above would expire in the jump too):
    // DUE_CHARGES charges due over the next 28 days, then one jump of 40 days.
    child.kill('SIGTERM');
    ({ banner, child } = await serve(path.join(dir, 'calendar'), children));
    auth = { ...auth, authorization: `Bearer ${await token()}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber };
    progress(`creating ${DUE_CHARGES} charges (batch endpoint, ${BATCH} a request)`);
    const other = (JSON.parse(await call(banner.url, 'POST', '/recurring/v3/agreements', { ...auth, 'idempotency-key': 'bench-agreement-2' }, draftBody(1), 201)) as { agreementId: string }).agreementId;
    await call(banner.url, 'PATCH', `/recurring/v3/agreements/${other}/accept`, { ...auth, 'idempotency-key': 'bench-accept-2' }, JSON.stringify({ phoneNumber: '4791234567' }), 204);
    await pool(Math.ceil(DUE_CHARGES / BATCH), 4, async (b) => {
      const items = Array.from({ length: Math.min(BATCH, DUE_CHARGES - b * BATCH) }, (_, k) => {
        const i = b * BATCH + k;
        return { agreementId: other, orderId: `due-${i}`, amount: 1000, transactionType: i % 2 ? 'RESERVE_CAPTURE' : 'DIRECT_CAPTURE', description: 'Due', due: dateIn(1 + (i % 28), now), retryDays: 1 };
      });
      const r = JSON.parse(await call(banner.url, 'POST', '/recurring/v3/agreements/charges', { ...auth, 'idempotency-key': `batch-${b}` }, JSON.stringify(items), 202)) as { validCharges: string[] };
      if (r.validCharges.length !== items.length) throw new BenchFailure(`batch ${b}: only ${r.validCharges.length} of ${items.length} valid`, figures);
    });
    resetPeak(child.pid!);
    const t0 = performance.now();
    const advanced = await call(banner.url, 'POST', '/devkit/v1/clock/advance', { 'content-type': 'application/json' }, JSON.stringify({ duration: '40d' }), 200);
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssMb(child.pid!);
    const token2 = await token();
    const last = JSON.parse(await call(banner.url, 'GET', `/recurring/v3/charges/due-${DUE_CHARGES - 1}`, { ...auth, authorization: `Bearer ${token2}` }, undefined, 200)) as { status: string };
    if (last.status !== 'RESERVED' && last.status !== 'CHARGED') throw new BenchFailure(`after the jump the last charge is ${last.status}: ${advanced}`, figures);
    progress(`${DUE_CHARGES} due charges processed in ${seconds.toFixed(2)} s, peak RSS ${peak.toFixed(0)} MB`);
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
