/**
 * Each framework adapter behind a real server on 127.0.0.1. Peers are played by distinct
 * loopback source addresses: 127.0.7.1 is a request server, 127.0.0.3 an outsider and
 * 127.0.0.4 the shop's own reverse proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestServerGuard, type RequestServerGuard } from '../../../src/tools/allowlist/guard.js';
import { expressGuard, fastifyGuard, honoGuard, koaGuard, nodeHttpGuard } from '../../../src/tools/allowlist/guard-adapters.js';
import { startZone, type TestZone } from './zone.js';
import { get } from './http-client.js';

const REQUEST_SERVER = '127.0.7.1';
const OUTSIDER = '127.0.0.3';
const PROXY = '127.0.0.4';

let zone: TestZone;
let guard: RequestServerGuard;

type Started = { port: number; close(): Promise<void> };

function listen(server: http.Server): Promise<Started> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

const frameworks: Record<string, () => Promise<Started>> = {
  'node:http': () => {
    const check = nodeHttpGuard(guard);
    return listen(http.createServer((req, res) => check(req, res) && res.end('ok')));
  },
  express: () => {
    const app = express();
    app.use('/vipps', expressGuard(guard));
    app.get('/vipps/callback', (_req, res) => void res.send('ok'));
    return listen(http.createServer(app));
  },
  fastify: async () => {
    const app = Fastify();
    app.get('/vipps/callback', { onRequest: fastifyGuard(guard) }, async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
  koa: () => {
    const app = new Koa();
    app.use(koaGuard(guard));
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    return listen(http.createServer(app.callback()));
  },
  hono: () => {
    const app = new Hono();
    app.use('/vipps/*', honoGuard(guard));
    app.get('/vipps/callback', (c) => c.text('ok'));
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        resolve({ port: info.port, close: () => new Promise((r) => server.close(() => r())) });
      });
    });
  },
};

beforeAll(async () => {
  zone = await startZone({ 'callback-1.vipps.no': { addresses: [REQUEST_SERVER], ttl: 60 } });
  guard = requestServerGuard({
    resolver: zone.resolverText,
    hosts: [{ environment: 'prod', hostname: 'callback-1.vipps.no' }],
    trustedProxies: [PROXY],
  });
  await guard.ready();
});
afterAll(async () => {
  guard.close();
  await zone.close();
});

describe.each(Object.keys(frameworks))('%s adapter', (name) => {
  let server: Started;
  beforeAll(async () => {
    server = await frameworks[name]!();
  });
  afterAll(() => server.close());

  it('lets a request server through', async () => {
    expect(await get(server.port, REQUEST_SERVER)).toEqual({ status: 200, body: 'ok' });
  });

  it('answers 403 to anyone else, before the route runs', async () => {
    const res = await get(server.port, OUTSIDER);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'forbidden' });
  });

  it('denies a spoofed X-Forwarded-For from an untrusted peer', async () => {
    expect((await get(server.port, OUTSIDER, { 'x-forwarded-for': REQUEST_SERVER })).status).toBe(403);
  });

  it('honours X-Forwarded-For from the trusted proxy, for and against', async () => {
    expect((await get(server.port, PROXY, { 'x-forwarded-for': REQUEST_SERVER })).status).toBe(200);
    expect((await get(server.port, PROXY, { 'x-forwarded-for': OUTSIDER })).status).toBe(403);
    expect((await get(server.port, PROXY, { 'x-forwarded-for': `${REQUEST_SERVER}, ${OUTSIDER}` })).status).toBe(403);
    expect((await get(server.port, PROXY)).status).toBe(403); // the proxy itself is no request server
  });
});
