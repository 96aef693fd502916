/**
 * Webhook delivery, each figure beside a baseline measured in the same run: the same receiver,
 * fed directly by an undici client with as many connections as the dispatcher uses.
 *
 * - the engine: a backlog of owed webhooks (the receiver holds its answers while the payments
 *   are approved, as a slow merchant endpoint would) drained once the receiver answers again;
 * - the pipeline: approving payments at once and waiting for their webhooks (approvals and
 *   deliveries share the emulator's process);
 * - latency: one payment approved at a time, until its webhook arrives. Printed beside it: how
 *   long the approve itself took to answer, and the data directory's fsync (an approve is
 *   answered, and its webhook sent, only once its commit is on disk).
 *
 * The emulator runs as a real `serve` process on a SQLite file (durable mode); the receiver and
 * the baseline client run here. BENCH_CPU_PROF=<dir> profiles the emulator process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import type { BenchFigure } from './figure.js';
import { createPaymentRequest } from './payloads.js';

const PAYMENTS = 1500;
/** Approved one at a time, so latency is measured without a backlog. */
const LATENCY_SAMPLES = 200;
const CLIENT_CONCURRENCY = 50;
/** The dispatcher's own limit of deliveries in flight (src/delivery/dispatcher.ts). */
const DISPATCHER_CONCURRENCY = 32;
const progress = (line: string) => process.stderr.write(`  [delivery] ${line}\n`);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** The p50 of fdatasync after a small write, in `dir`: the floor under any durable answer. */
async function fsyncMs(dir: string): Promise<number> {
  const file = await open(path.join(dir, 'fsync-probe'), 'w');
  try {
    const times: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      await file.write(Buffer.alloc(4096, i));
      const t = performance.now();
      await file.datasync();
      times.push(performance.now() - t);
    }
    return percentile(times, 50);
  } finally {
    await file.close();
  }
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

export default async function deliveryBench(): Promise<BenchFigure[]> {
  const received = new Map<string, number>();
  let expected = 0;
  let done: () => void = () => {};
  // While holding, the receiver keeps its answers: the dispatcher's connections are all busy and
  // what else is owed waits in the engine.
  let holding = false;
  const held: http.ServerResponse[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c)).on('end', () => {
      const reference = (JSON.parse(body) as { reference: string }).reference;
      if (!received.has(reference)) received.set(reference, performance.now());
      if (holding) held.push(res);
      else res.writeHead(200).end('ok');
      if (received.size >= expected) done();
    });
  });
  // Resolves once `count` distinct webhooks have arrived; fails after 120 s (the timer is cleared
  // on success, so no rejection is left to fire later in the run).
  const waitFor = (count: number, what: string) => {
    expected = count;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.size} of ${count} ${what} arrived in 120 s`)), 120_000);
      done = () => {
        clearTimeout(timer);
        resolve();
      };
      if (received.size >= count) done();
    });
  };
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const dir = mkdtempSync(path.join(tmpdir(), 'vipps-devkit-bench-delivery-'));
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the emulator process (read it with profile-summary.js).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...profile, path.join(repoRoot, 'bin/vipps-devkit.js'), 'serve', '--port', '0', '--no-dns', '--json', '--log-level', 'warn', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const banner = JSON.parse(await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve))) as {
      url: string; merchantSerialNumber: string; clientId: string; clientSecret: string; subscriptionKey: string;
    };
    const client = new Agent({ connections: CLIENT_CONCURRENCY });
    const call = async (method: 'POST' | 'GET', p: string, headers: Record<string, string>, body?: string) => {
      const res = await request(`${banner.url}${p}`, { method, headers, ...(body ? { body } : {}), dispatcher: client });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${method} ${p}: ${res.statusCode} ${text}`);
      return text ? (JSON.parse(text) as Record<string, string>) : {};
    };
    const token = (await call('POST', '/accesstoken/get', { client_id: banner.clientId, client_secret: banner.clientSecret, 'ocp-apim-subscription-key': banner.subscriptionKey })).access_token!;
    const auth = { authorization: `Bearer ${token}`, 'ocp-apim-subscription-key': banner.subscriptionKey, 'merchant-serial-number': banner.merchantSerialNumber, 'content-type': 'application/json' };
    const references = Array.from({ length: 2 * PAYMENTS + LATENCY_SAMPLES }, (_, i) => `bench-delivery-${i}`);
    const bulk = references.slice(0, PAYMENTS);
    const backlog = references.slice(PAYMENTS, 2 * PAYMENTS);
    const single = references.slice(2 * PAYMENTS);
    progress(`creating ${references.length} payments`);
    await pool(references, CLIENT_CONCURRENCY, async (reference) => {
      await call('POST', '/epayment/v1/payments', { ...auth, 'idempotency-key': reference }, JSON.stringify(createPaymentRequest(reference)));
    });
    // Registered only now: the creates owe nothing, each approve owes exactly one delivery.
    await call('POST', '/webhooks/v1/webhooks', auth, JSON.stringify({ url: hookUrl, events: ['epayments.payment.authorized.v1'] }));

    const approve = (reference: string) => call('POST', `/epayment/v1/test/payments/${reference}/approve`, auth, '{}').then(() => undefined);

    progress(`approving ${PAYMENTS} payments at once and waiting for their webhooks`);
    const allDelivered = waitFor(PAYMENTS, 'webhooks');
    const started = performance.now();
    await pool(bulk, CLIENT_CONCURRENCY, approve);
    await allDelivered;
    const elapsed = (Math.max(...received.values()) - started) / 1000;

    progress(`holding the receiver's answers while ${PAYMENTS} more are approved, then draining the backlog`);
    holding = true;
    await pool(backlog, CLIENT_CONCURRENCY, approve);
    // Every connection of the dispatcher waits for an answer; the rest of the backlog is owed.
    await waitFor(PAYMENTS + DISPATCHER_CONCURRENCY, 'held webhooks');
    const inFlight = received.size - PAYMENTS;
    const drainStart = performance.now();
    holding = false;
    for (const res of held.splice(0)) res.writeHead(200).end('ok');
    await waitFor(2 * PAYMENTS, 'backlog webhooks');
    const drainElapsed = (Math.max(...received.values()) - drainStart) / 1000;
    const drained = PAYMENTS - inFlight;

    progress(`approving ${LATENCY_SAMPLES} payments one at a time: approve → webhook latency`);
    const latencies: number[] = [];
    const answered: number[] = [];
    for (const reference of single) {
      const sent = performance.now();
      const arrived = waitFor(received.size + 1, 'webhooks');
      await call('POST', `/epayment/v1/test/payments/${reference}/approve`, auth, '{}');
      answered.push(performance.now() - sent);
      await arrived;
      latencies.push(received.get(reference)! - sent);
    }

    progress('baseline: the same receiver fed directly');
    received.clear();
    const direct = new Agent({ connections: DISPATCHER_CONCURRENCY });
    const payload = JSON.stringify({ msn: banner.merchantSerialNumber, reference: 'x', pspReference: '1234567890', name: 'AUTHORIZED', amount: { currency: 'NOK', value: 1000 }, timestamp: new Date().toISOString(), idempotencyKey: 'k', success: true });
    const post = async (reference: string) => {
      const res = await request(hookUrl, { method: 'POST', body: payload.replace('"x"', JSON.stringify(reference)), headers: { 'content-type': 'application/json' }, dispatcher: direct });
      await res.body.text();
    };
    const bareStart = performance.now();
    await pool(bulk, DISPATCHER_CONCURRENCY, post);
    const bareElapsed = (performance.now() - bareStart) / 1000;
    const bareLatencies: number[] = [];
    for (const reference of single) {
      const t = performance.now();
      await post(reference);
      bareLatencies.push(performance.now() - t);
    }
    await Promise.all([client.close(), direct.close()]);
    const fsync = await fsyncMs(dir);
    progress(`parts of the latency: approve answered p50 ${percentile(answered, 50).toFixed(2)} ms; fsync in the data directory p50 ${fsync.toFixed(2)} ms`);

    const figure = (name: string, value: number, unit: string, baseName: string, base: number): BenchFigure => ({ name, value: Math.round(value * 10) / 10, unit, baseline: { name: baseName, value: Math.round(base * 10) / 10 }, ratio: value / base });
    return [
      figure('webhook deliveries (backlog)', drained / drainElapsed, 'deliveries/s', 'direct POSTs to the receiver', PAYMENTS / bareElapsed),
      figure('approve + webhook (pipeline)', PAYMENTS / elapsed, 'deliveries/s', 'direct POSTs to the receiver', PAYMENTS / bareElapsed),
      figure('approve → webhook p50', percentile(latencies, 50), 'ms', 'direct POST p50', percentile(bareLatencies, 50)),
      figure('approve → webhook p99', percentile(latencies, 99), 'ms', 'direct POST p99', percentile(bareLatencies, 99)),
    ];
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit').catch(() => undefined);
    receiver.closeAllConnections();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
