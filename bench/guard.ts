/**
 * requestServerGuard: the cost of one decision (ns/op, against a bare Set lookup) and the
 * throughput of a minimal Fastify route with the guard, as a ratio to the same route without it.
 * Everything runs on 127.0.0.1, with the set resolved from a local DNS server.
 */
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { startDnsServer } from '../src/environments/dns-server.js';
import { REQUEST_SERVER_ENVIRONMENTS } from '../src/environments/request-servers.js';
import { fastifyGuard } from '../src/tools/allowlist/guard-adapters.js';
import { requestServerGuard, type RequestServerGuard } from '../src/tools/allowlist/guard.js';
import type { BenchFigure } from './figure.js';

const DECISIONS = 2_000_000;
const LOAD_SECONDS = 3;

function nsPerOp(iterations: number, body: (i: number) => boolean): number {
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i += 1) if (body(i)) allowed += 1;
  const elapsed = Number(process.hrtime.bigint() - started);
  if (allowed === 0) throw new Error('benchmark loop allowed nothing: it measured the wrong path');
  return elapsed / iterations;
}

function decisionFigure(guard: RequestServerGuard): BenchFigure {
  // A realistic mix: request servers, strangers, and IPv4-mapped peers from dual-stack sockets.
  const peers = ['127.0.0.1', '127.0.10.2', '198.51.100.77', '::ffff:127.0.10.3', '2001:db8::99', '127.0.10.4'];
  const plain = new Set(['127.0.0.1', '127.0.10.2', '127.0.10.3', '127.0.10.4']);
  nsPerOp(200_000, (i) => guard.check(peers[i % peers.length]).allowed); // warm-up
  nsPerOp(200_000, (i) => plain.has(peers[i % peers.length]!));
  const baseline = nsPerOp(DECISIONS, (i) => plain.has(peers[i % peers.length]!));
  const value = nsPerOp(DECISIONS, (i) => guard.check(peers[i % peers.length]).allowed);
  return { name: 'guard decision', value, unit: 'ns/op', baseline: { name: 'Set.has', value: baseline }, ratio: value / baseline };
}

async function requestsPerSecond(guard: RequestServerGuard | undefined): Promise<number> {
  const app = Fastify();
  if (guard) app.get('/callback', { onRequest: fastifyGuard(guard) }, async () => 'ok');
  else app.get('/callback', async () => 'ok');
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/callback`;
    await autocannon({ url, connections: 10, duration: 0.5 }); // warm-up
    const result = await autocannon({ url, connections: 10, duration: LOAD_SECONDS });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`load run saw ${result.non2xx} non-2xx and ${result.errors} errors`);
    return result.requests.average;
  } finally {
    await app.close();
  }
}

export default async function guardBench(): Promise<BenchFigure[]> {
  const hosts = REQUEST_SERVER_ENVIRONMENTS.prod;
  // 127.0.0.1 is one of the "request servers" so the load generator's requests take the allowed path.
  const answers = new Map(hosts.map((h, i) => [h, { addresses: [i === 0 ? '127.0.0.1' : `127.0.10.${i + 1}`], ttl: 3600 }]));
  const dns = await startDnsServer({ lookup: (name) => answers.get(name) });
  const guard = requestServerGuard({ environments: ['prod'], resolver: `127.0.0.1:${dns.port}`, refresh: false });
  try {
    await guard.ready();
    const decision = decisionFigure(guard);
    const without = await requestsPerSecond(undefined);
    const withGuard = await requestsPerSecond(guard);
    return [
      decision,
      {
        name: 'fastify route with guard',
        value: withGuard,
        unit: 'req/s',
        baseline: { name: 'fastify route without guard', value: without },
        ratio: withGuard / without,
      },
    ];
  } finally {
    guard.close();
    await dns.close();
  }
}
