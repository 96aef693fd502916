/**
 * A server under test, run in its own process by bench/epayment.ts (never run by the runner as a
 * benchmark module). `node server-child.js bare` or `node server-child.js emulator <sqlite file>`.
 *
 * Talks to its parent over the IPC channel only:
 *   child → parent  { type: 'ready', url, merchant? }   once listening on 127.0.0.1
 *   parent → child  { type: 'count' } → { type: 'count', payments }   (emulator: rows in the table)
 *   parent → child  { type: 'phase-start' | 'phase-stop', name } → { type: 'phase', name, report }
 *                   around a measured run: event-loop utilisation always; with BENCH_CPU_PROF=<dir>
 *                   a CPU profile <dir>/<name>.cpuprofile; with BENCH_INSTRUMENT=1 (emulator) time
 *                   per SQL statement and group-commit batch figures (see bench/instrument.ts)
 *   parent → child  { type: 'close' }                   close the server and exit 0
 * If the parent goes away (IPC disconnect), the child closes and exits too: no orphans.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPhase, type Phase, type PhaseResult } from './instrument.js';

export type ChildReady = {
  type: 'ready';
  url: string;
  merchant?: { msn: string; clientId: string; clientSecret: string; subscriptionKey: string };
};
export type ChildCount = { type: 'count'; payments: number };
export type ChildPhase = { type: 'phase'; name: string } & PhaseResult;
export type ParentMessage = { type: 'close' } | { type: 'count' } | { type: 'phase-start'; name: string } | { type: 'phase-stop'; name: string };

type Running = { url: string; merchant?: ChildReady['merchant']; count(): Promise<number>; close(): Promise<void> };

/**
 * The baseline: what Node's own HTTP stack does with the same requests and no framework, no
 * validation, no auth, no database. It reads the whole body, parses it as JSON, and answers a
 * small JSON document (201 for POST, 200 for GET) — the floor cost of a JSON API on this machine.
 */
async function startBare(): Promise<Running> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let reference = req.url?.split('/').pop() ?? '';
      let status = 200;
      if (req.method === 'POST') {
        status = 201;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { reference?: unknown };
          if (typeof body.reference === 'string') reference = body.reference;
        } catch {
          status = 400;
        }
      }
      const payload = JSON.stringify({ reference, state: 'CREATED' });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: async () => 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startEmulatorChild(file: string): Promise<Running> {
  if (process.env.BENCH_INSTRUMENT === '1') await (await import('./instrument.js')).instrumentEmulator();
  const { startEmulator } = await import('../src/server/emulator.js');
  // As `serve --rate-limits off`: the get run reads each payment far more than 120 times a minute.
  const emulator = await startEmulator({ database: { kind: 'sqlite', file }, host: '127.0.0.1', port: 0, logLevel: 'warn', rateLimits: process.env.BENCH_RATE_LIMITS === 'on' });
  const m = emulator.ctx.merchants.all()[0];
  if (!m) throw new Error('the emulator has no seeded merchant');
  return {
    url: emulator.url,
    merchant: { msn: m.msn, clientId: m.clientId, clientSecret: m.clientSecret, subscriptionKey: m.subscriptionKey },
    async count() {
      const row = await emulator.ctx.database.db
        .selectFrom('epayment_payments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    close: () => emulator.close(),
  };
}

async function main() {
  if (!process.send) throw new Error('server-child.js must be started by bench/epayment.js (it needs an IPC channel)');
  const [kind, file] = process.argv.slice(2);
  const running = kind === 'bare' ? await startBare() : kind === 'emulator' && file ? await startEmulatorChild(file) : undefined;
  if (!running) throw new Error(`usage: server-child.js bare | emulator <sqlite file> (got ${process.argv.slice(2).join(' ')})`);

  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= running
      .close()
      .catch((err) => console.error('server-child: close failed', err))
      .finally(() => process.exit(0));
    return closing;
  };
  process.on('disconnect', () => void shutdown());
  const phases = new Map<string, Phase>();
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'close') void shutdown();
    else if (message.type === 'phase-start') {
      startPhase(message.name).then(
        (phase) => {
          phases.set(message.name, phase);
          process.send?.({ type: 'phase', name: message.name, report: 'started', cpuUs: 0, wallMs: 0, elu: 0 } satisfies ChildPhase);
        },
        (err) => console.error('server-child: phase start failed', err),
      );
    } else if (message.type === 'phase-stop') {
      const phase = phases.get(message.name);
      phases.delete(message.name);
      (phase ? phase.stop() : Promise.resolve({ report: `no phase ${message.name}`, cpuUs: 0, wallMs: 0, elu: 0 })).then(
        (result) => process.send?.({ type: 'phase', name: message.name, ...result } satisfies ChildPhase),
        (err) => console.error('server-child: phase stop failed', err),
      );
    }
    else if (message.type === 'count') {
      running.count().then(
        (payments) => process.send?.({ type: 'count', payments } satisfies ChildCount),
        (err) => console.error('server-child: count failed', err),
      );
    }
  });
  const ready: ChildReady = { type: 'ready', url: running.url, ...(running.merchant ? { merchant: running.merchant } : {}) };
  process.send(ready);
}

main().catch((err) => {
  console.error('server-child:', err);
  process.exit(1);
});
