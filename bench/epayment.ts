/**
 * ePayment under load: create-payment and get-payment throughput (req/s) and p99 latency of the
 * emulator on a durable SQLite FILE database (WAL, synchronous=FULL, group commit), each beside a
 * bare `node:http` JSON server measured in the same run with the very same requests.
 *
 * Process layout (why it is a fair baseline): the load generator (autocannon) runs in this
 * process, and BOTH servers run in child processes of their own (bench/server-child.ts). The
 * emulator is one Node process with one event loop; were autocannon in that process, it would
 * take event-loop time from the server it measures and the ratio would flatter or punish the
 * emulator depending on how busy the loop is. Putting the bare server in a child too gives it the
 * same treatment — own process, own event loop, same Node flags, same loopback hop — so the
 * only difference between the two figures is what the emulator does per request.
 *
 * Everything listens on 127.0.0.1; every load run is bounded (WARMUP_S + MEASURE_S seconds).
 * Each measured run is bracketed by a "phase" in the server child, which reports the server's
 * event-loop utilisation to stderr. BENCH_CPU_PROF=<dir> adds a V8 CPU profile per measured run,
 * <dir>/<server>-<op>.cpuprofile (summarise: `node dist/bench/profile-summary.js <file>`), and
 * BENCH_INSTRUMENT=1 a breakdown of SQLite, Kysely and group-commit time (bench/instrument.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { BenchFailure } from './failure.js';
import type { BenchFigure } from './figure.js';
import type { ChildCount, ChildPhase, ChildReady, ParentMessage } from './server-child.js';
import { createPaymentRequest } from './payloads.js';

const WARMUP_S = 1;
const MEASURE_S = 5;
const CONNECTIONS = 50;
/** Payments created before the get run; the get run cycles through them. */
const GET_SET = 1000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

const here = path.dirname(fileURLToPath(import.meta.url));
const progress = (line: string) => process.stderr.write(`  [epayment] ${line}\n`);

type Merchant = NonNullable<ChildReady['merchant']>;

interface ServerChild {
  name: string;
  url: string;
  merchant?: Merchant;
  child: ChildProcess;
  count(): Promise<number>;
  phase(type: 'phase-start' | 'phase-stop', name: string): Promise<ChildPhase>;
  stop(): Promise<void>;
}

function startServer(args: string[]): Promise<ServerChild> {
  // Child stdout goes to our stderr: stdout carries the runner's table or JSON only.
  const child = fork(path.join(here, 'server-child.js'), args, { stdio: ['ignore', 2, 2, 'ipc'], execArgv: [] });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const stop = async () => {
    if (exited) return;
    if (child.connected) child.send({ type: 'close' } satisfies ParentMessage);
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
    if ((await Promise.race([exit.then(() => 'exited' as const), timer])) === 'timeout') {
      progress(`server child ${child.pid} did not stop in ${STOP_TIMEOUT_MS} ms; killing it`);
      child.kill('SIGKILL');
      await exit;
    }
  };
  const ask = <T extends ChildCount | ChildPhase>(message: ParentMessage, reply: T['type']) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: ChildCount | ChildPhase | ChildReady) => {
        if (m.type !== reply) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.send(message, (err) => err && reject(err));
    });
  const count = async () => (await ask<ChildCount>({ type: 'count' }, 'count')).payments;
  const phase = (type: 'phase-start' | 'phase-stop', name: string) => ask<ChildPhase>({ type, name }, 'phase');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server child (${args.join(' ')}) did not become ready in ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server child (${args.join(' ')}) exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('message', (m: ChildReady) => {
      clearTimeout(timer);
      if (m.type !== 'ready') return reject(new Error(`unexpected first message from server child: ${JSON.stringify(m)}`));
      resolve({ name: args[0]!, url: m.url, ...(m.merchant ? { merchant: m.merchant } : {}), child, count, phase, stop });
    });
  });
}

async function accessToken(url: string, m: Merchant): Promise<string> {
  const res = await fetch(`${url}/accesstoken/get`, {
    method: 'POST',
    headers: { client_id: m.clientId, client_secret: m.clientSecret, 'Ocp-Apim-Subscription-Key': m.subscriptionKey },
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`access token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

const createBody = (reference: string) => JSON.stringify(createPaymentRequest(reference));

interface LoadFigures {
  rps: number;
  p99: number;
  /** responses by status code */
  statuses: Record<string, number>;
  responses: number;
  errors: number;
  timeouts: number;
}

type Requests = NonNullable<autocannon.Options['requests']>;

async function load(url: string, headers: Record<string, string>, requests: () => Requests, seconds: number): Promise<LoadFigures> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, requests: requests() });
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = Number(count ?? 0);
  const responses = Object.values(statuses).reduce((a, b) => a + b, 0);
  return { rps: result.requests.average, p99: result.latency.p99, statuses, responses, errors: result.errors, timeouts: result.timeouts };
}

/** Warm-up, then the measured run (a phase in the server child); the warm-up's responses are checked too. */
async function measure(op: string, server: ServerChild, headers: Record<string, string>, requests: () => Requests) {
  const warm = await load(server.url, headers, requests, WARMUP_S);
  const phase = `${server.name}-${op}`;
  await server.phase('phase-start', phase);
  const run = await load(server.url, headers, requests, MEASURE_S);
  const usage = await server.phase('phase-stop', phase);
  // Server CPU time per response: robust against the load generator (or anything else on the
  // machine) taking CPU from the server, which lowers req/s but not the work done per request.
  const cpuPerRequest = usage.cpuUs / Math.max(1, run.responses);
  progress(`${op}, ${server.name}: ${run.rps.toFixed(0)} req/s, p99 ${run.p99} ms, server CPU ${cpuPerRequest.toFixed(1)} µs/request, statuses ${JSON.stringify(run.statuses)}, errors ${run.errors}`);
  progress(usage.report.replace(/\n/g, '\n  [epayment] '));
  return { warm, run, cpuPerRequest };
}

const others = (f: LoadFigures, ok: string) => f.responses - (f.statuses[ok] ?? 0) + f.errors;

export default async function epaymentBench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vipps-devkit-bench-'));
  const children: ServerChild[] = [];
  // If the run is interrupted, leave no server and no temp dir behind.
  const onExit = () => {
    for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    const profileDir = process.env.BENCH_CPU_PROF;
    const bare = await startServer(['bare']);
    children.push(bare);
    const emulator = await startServer(['emulator', path.join(dir, 'devkit.sqlite')]);
    children.push(emulator);
    const m = emulator.merchant!;
    progress(`bare node:http at ${bare.url}, emulator at ${emulator.url} (SQLite file in ${dir})${profileDir ? `, CPU profiles to ${profileDir}` : ''}`);

    const token = await accessToken(emulator.url, m);
    const headers = {
      Authorization: `Bearer ${token}`,
      'Ocp-Apim-Subscription-Key': m.subscriptionKey,
      'Merchant-Serial-Number': m.msn,
      'Content-Type': 'application/json',
    };
    const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

    // Every create gets its own reference and Idempotency-Key (one counter for all connections).
    let serial = 0;
    const creates = (): Requests => [
      {
        method: 'POST',
        path: '/epayment/v1/payments',
        setupRequest: (req) => {
          const reference = `bench-${run}-${(serial += 1)}`;
          return { ...req, headers: { ...req.headers, 'Idempotency-Key': reference }, body: createBody(reference) };
        },
      },
    ];

    // The get set: created up front over plain fetch, each checked for 201.
    const references: string[] = [];
    for (let i = 0; i < GET_SET; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, GET_SET - i) }, async (_, j) => {
          const reference = `bench-${run}-get-${i + j}`;
          const res = await fetch(`${emulator.url}/epayment/v1/payments`, {
            method: 'POST',
            headers: { ...headers, 'Idempotency-Key': reference },
            body: createBody(reference),
          });
          const text = await res.text();
          if (res.status !== 201) throw new Error(`creating the get set: ${res.status} ${text}`);
          references.push(reference);
        }),
      );
    }
    let next = 0;
    const gets = (): Requests => [
      { method: 'GET', setupRequest: (req) => ({ ...req, path: `/epayment/v1/payments/${references[(next += 1) % references.length]}` }) },
    ];
    const getHeaders = { ...headers };
    delete (getHeaders as Partial<typeof getHeaders>)['Content-Type'];

    const bareCreate = await measure('create', bare, headers, creates);
    const emuCreate = await measure('create', emulator, headers, creates);
    const bareGet = await measure('get', bare, getHeaders, gets);
    const emuGet = await measure('get', emulator, getHeaders, gets);

    const created = (emuCreate.warm.statuses['201'] ?? 0) + (emuCreate.run.statuses['201'] ?? 0);
    const stored = await emulator.count();
    const non201 = others(emuCreate.warm, '201') + others(emuCreate.run, '201');
    const getNon200 = others(emuGet.warm, '200') + others(emuGet.run, '200');
    const bareBad = others(bareCreate.warm, '201') + others(bareCreate.run, '201') + others(bareGet.warm, '200') + others(bareGet.run, '200');

    const ratio = (name: string, unit: string, value: number, baselineName: string, baseline: number): BenchFigure => ({
      name,
      value,
      unit,
      baseline: { name: baselineName, value: baseline },
      ratio: value / baseline,
    });
    const figures: BenchFigure[] = [
      ratio('epayment create (durable SQLite)', 'req/s', emuCreate.run.rps, 'bare node:http POST', bareCreate.run.rps),
      ratio('epayment create p99', 'ms', emuCreate.run.p99, 'bare node:http POST p99', bareCreate.run.p99),
      ratio('epayment get', 'req/s', emuGet.run.rps, 'bare node:http GET', bareGet.run.rps),
      ratio('epayment get p99', 'ms', emuGet.run.p99, 'bare node:http GET p99', bareGet.run.p99),
      ratio('epayment create server CPU', 'µs/req', emuCreate.cpuPerRequest, 'bare node:http POST CPU', bareCreate.cpuPerRequest),
      ratio('epayment get server CPU', 'µs/req', emuGet.cpuPerRequest, 'bare node:http GET CPU', bareGet.cpuPerRequest),
      { name: 'epayment create non-201 responses', value: non201, unit: 'responses' },
      { name: 'epayment get non-200 responses', value: getNon200, unit: 'responses' },
      { name: 'epayment payments stored', value: stored, unit: 'rows' },
    ];
    const problems: string[] = [];
    if (non201 > 0) problems.push(`${non201} create responses were not 201 (warm-up ${JSON.stringify(emuCreate.warm.statuses)}, run ${JSON.stringify(emuCreate.run.statuses)}, errors ${emuCreate.warm.errors + emuCreate.run.errors})`);
    if (getNon200 > 0) problems.push(`${getNon200} get responses were not 200 (run ${JSON.stringify(emuGet.run.statuses)}, errors ${emuGet.run.errors})`);
    if (bareBad > 0) problems.push(`the bare baseline server gave ${bareBad} unexpected responses or errors`);
    // Acknowledged creates (plus the get set) must all be in the table; requests cut off when a
    // run ends may have committed too, so there can be more rows than 201s, never fewer.
    if (stored < created + references.length) problems.push(`only ${stored} payments stored after ${created + references.length} acknowledged creates`);
    if (problems.length > 0) throw new BenchFailure(`epayment: ${problems.join('; ')}`, figures);
    return figures;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', onExit);
  }
}
