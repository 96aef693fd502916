/**
 * The module contract (src/apis/module.ts) on its own terms: a tiny module defined here — its own
 * table (by migration and declaration merging), one route, its own error shape, a control route —
 * is handed to `startEmulator` next to the registry, and the rest of the house picks it up with no
 * shared file touched: the status page, faults, 404s under its prefix, reset (whole and per
 * merchant), the control API and its guard, migrations, the root index.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/apis/index.js';
import type { ApiError, ApiModule, ErrorShape, Platform } from '../../src/apis/module.js';
import { authenticateHook } from '../../src/platform/auth.js';
import { startEmulator } from '../../src/server/emulator.js';
import { http, startTestEmulator, type ApiResponse, type TestEmulator } from '../helpers/emulator.js';

// ---- the toy module: everything a module is, in one place ----

interface ToyItemsTable {
  msn: string;
  id: string;
  name: string;
}

// Its table joins the shared Database type from here, as a module's store does.
declare module '../../src/db/schema.js' {
  interface Database {
    toy_items: ToyItemsTable;
  }
}

/** The toy's own error shape: `{"toyError": {"code", "message"}}` as application/vnd.toy+json. */
const TOY_TYPE = 'application/vnd.toy+json';
const toySend = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).type(TOY_TYPE).send(JSON.stringify({ toyError: { code, message } }));
const toyErrors: ErrorShape = {
  send: (reply: FastifyReply, _request: FastifyRequest, e: ApiError) => toySend(reply, e.status, `TOY-${e.status}`, `${e.title}: ${e.detail}`),
  // Written against the contract alone: Fastify's conventions (validation, statusCode), nothing of the platform's.
  handler(error: FastifyError | Error, _request: FastifyRequest, reply: FastifyReply) {
    const e = error as FastifyError;
    if (e.validation) return toySend(reply, 400, 'TOY-INVALID', e.message);
    const status = e.statusCode && e.statusCode < 500 ? e.statusCode : 500;
    return toySend(reply, status, `TOY-${status}`, e.message);
  },
};

const toyRoutes = (platform: Platform): FastifyPluginAsyncTypebox => async (app) => {
  app.addHook('onRequest', authenticateHook(platform, { requireMsn: true }));
  app.post('/toy/v1/items', { schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 20 }) }) } }, async (request, reply) => {
    const item = { msn: request.merchant!.msn, id: platform.ids.uuid(), name: request.body.name };
    await platform.database.commands.run((trx) => trx.insertInto('toy_items').values(item).execute());
    return reply.code(201).send(item);
  });
};

const toyControl = (platform: Platform): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/items/count', async () => {
    await platform.database.durable();
    const rows = await platform.database.db.selectFrom('toy_items').select('msn').execute();
    return { count: rows.length };
  });
};

const toy: ApiModule = {
  name: 'toy',
  title: 'Toy API',
  description: 'A module defined by a test',
  prefixes: ['/toy/'],
  errors: toyErrors,
  tables: [{ name: 'toy_items', msnColumn: 'msn' }],
  migrations: {
    toy_0001_items: {
      async up(db: Kysely<any>) {
        await db.schema.createTable('toy_items')
          .addColumn('msn', 'varchar(6)', (c) => c.notNull())
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
          .addColumn('name', 'varchar(20)', (c) => c.notNull())
          .execute();
      },
    },
  },
  start: (platform) => ({ routes: toyRoutes(platform), control: toyControl(platform) }),
};

// ---- the house, with the toy in it ----

let emu: TestEmulator;
let other: { msn: string; clientId: string; clientSecret: string; subscriptionKey: string };
let otherToken: string;

beforeAll(async () => {
  emu = await startTestEmulator({ modules: [...MODULES, toy] });
  const created = await emu.call('POST', '/devkit/v1/merchants', { body: {}, anonymous: true });
  other = created.body;
  otherToken = await emu.fetchToken(created.body);
});
afterAll(async () => {
  await emu?.close();
});

const addItem = (name: unknown, asOther = false) =>
  emu.call('POST', '/toy/v1/items', {
    body: { name },
    ...(asOther ? { headers: { authorization: `Bearer ${otherToken}`, 'ocp-apim-subscription-key': other.subscriptionKey, 'merchant-serial-number': other.msn } } : {}),
  });
const items = async () => (await emu.ctx.database.db.selectFrom('toy_items').select(['msn', 'name']).orderBy('name').execute()).map((r) => `${r.msn}/${r.name}`);

function expectToyError(res: ApiResponse, status: number, code?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.toy\+json/);
  expect(res.body).toEqual({ toyError: { code: code ?? expect.stringMatching(/^TOY-/), message: expect.any(String) } });
}

describe('a module added with no shared file touched', () => {
  it('its migration ran and its table is there; its route works with the platform\'s auth and command queue', async () => {
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(emu.ctx.database.db);
    expect(applied.rows.map((r) => r.name)).toContain('toy_0001_items');
    const res = await addItem('ball');
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ msn: emu.merchant.msn, name: 'ball' });
    expect(await items()).toEqual([`${emu.merchant.msn}/ball`]);
    // The gateway's errors stay the gateway's (the server answers them); the toy's own errors come in its shape.
    const anonymous = await emu.call('POST', '/toy/v1/items', { body: { name: 'x' }, anonymous: true });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ statusCode: 401, message: expect.any(String) });
    // The house's own refusals before the route (authentication, the body parser) carry their status.
    expectToyError(await emu.call('POST', '/toy/v1/items', { body: { name: 'x' }, headers: { 'merchant-serial-number': undefined } }), 400);
    expectToyError(await addItem(''), 400, 'TOY-INVALID');
    expectToyError(await emu.call('POST', '/toy/v1/items', { rawBody: '{nope' }), 400);
  });

  it('the status page lists it as a component in every environment; the root index names it', async () => {
    const res = await http(`${emu.url}/api/v2/components.json`, { method: 'GET' });
    expect(res.status).toBe(200);
    const groups = res.body.components.filter((c: any) => c.group);
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      const children = res.body.components.filter((c: any) => c.group_id === g.id);
      expect(children.at(-1)).toMatchObject({ name: 'Toy API', description: 'A module defined by a test', status: 'operational' });
    }
    const root = await http(`${emu.url}/`, { method: 'GET' });
    expect(root.body.apis).toContainEqual({ name: 'toy', title: 'Toy API', paths: ['/toy/'] });
  });

  it('the OpenAPI document has its operation, tagged with its title, and its control route under "Control API"', async () => {
    const doc = (await http(`${emu.url}/devkit/v1/openapi.json`, { method: 'GET' })).body;
    const create = doc.paths['/toy/v1/items']?.post;
    expect(create?.tags).toEqual(['Toy API']);
    expect(create?.requestBody?.content?.['application/json']?.schema?.required).toEqual(['name']);
    expect(doc.paths['/devkit/v1/toy/items/count']?.get?.tags).toEqual(['Control API']);
  });

  it('a fault targeted at it makes its route fail in its shape, and shows on its component', async () => {
    const fault = await emu.call('POST', '/devkit/v1/faults', { body: { type: 'errors', api: 'toy', rate: 1, status: 503 }, anonymous: true });
    expect(fault.status, fault.text).toBe(201);
    expect(fault.body.incident.name).toBe('Elevated error rates on Toy API in MT');
    try {
      expectToyError(await addItem('during-fault'), 503, 'TOY-503');
      const components = await http(`${emu.url}/api/v2/components.json`, { method: 'GET' });
      expect(components.body.components.filter((c: any) => c.name === 'Toy API').map((c: any) => c.status)).toContain('major_outage');
      // Other APIs are not affected.
      expect((await emu.call('GET', '/epayment/v1/payments/toy-not-faulted')).status).toBe(404);
    } finally {
      await emu.call('DELETE', `/devkit/v1/faults/${fault.body.fault.id}`, { anonymous: true });
    }
    expect((await addItem('after-fault')).status).toBe(201);
  });

  it('paths under its prefix that no route serves answer 404 in its shape, another method on a served path 405', async () => {
    expectToyError(await emu.call('GET', '/toy/v2/nothing'), 404, 'TOY-404');
    const wrongMethod = await emu.call('DELETE', '/toy/v1/items');
    expectToyError(wrongMethod, 405, 'TOY-405');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  it('reset empties its table: one merchant\'s rows with that merchant\'s reset, all with the whole reset', async () => {
    await emu.call('POST', '/devkit/v1/reset', { anonymous: true });
    expect((await addItem('mine')).status).toBe(201);
    expect((await addItem('theirs', true)).status).toBe(201);
    expect(await items()).toEqual([`${emu.merchant.msn}/mine`, `${other.msn}/theirs`]);
    expect((await emu.call('POST', `/devkit/v1/merchants/${emu.merchant.msn}/reset`, { anonymous: true })).status).toBe(200);
    expect(await items()).toEqual([`${other.msn}/theirs`]);
    expect((await emu.call('POST', '/devkit/v1/reset', { anonymous: true })).status).toBe(200);
    expect(await items()).toEqual([]);
  });

  it('its control route answers under /devkit/v1/toy/', async () => {
    expect((await addItem('counted')).status).toBe(201);
    const res = await emu.call('GET', '/devkit/v1/toy/items/count', { anonymous: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ count: (await items()).length });
  });
});

describe('the contract\'s guards', () => {
  it('its control route is behind the admin guard: 401 without the admin token, 200 with it', async () => {
    const guarded = await startEmulator({ database: { kind: 'sqlite', file: ':memory:' }, host: '127.0.0.1', port: 0, logLevel: 'silent', adminToken: 'toy-admin-secret', modules: [...MODULES, toy] });
    try {
      const without = await http(`${guarded.url}/devkit/v1/toy/items/count`, { method: 'GET' });
      expect(without.status).toBe(401);
      expect(without.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const wrong = await http(`${guarded.url}/devkit/v1/toy/items/count`, { method: 'GET', headers: { authorization: 'Bearer wrong' } });
      expect(wrong.status).toBe(401);
      const withToken = await http(`${guarded.url}/devkit/v1/toy/items/count`, { method: 'GET', headers: { authorization: 'Bearer toy-admin-secret' } });
      expect(withToken.status, withToken.text).toBe(200);
      expect(withToken.body).toEqual({ count: 0 });
    } finally {
      await guarded.close();
    }
  });

  it('a module whose prefixes overlap another\'s, or whose name is taken, is refused at start', async () => {
    const database = { kind: 'sqlite' as const, file: ':memory:' };
    const squatter: ApiModule = { ...toy, name: 'squatter', prefixes: ['/epayment/v1/'], migrations: {} };
    await expect(startEmulator({ database, logLevel: 'silent', modules: [...MODULES, squatter] })).rejects.toThrow(/epayment and squatter both claim paths under \/epayment\//);
    const twin: ApiModule = { ...toy, prefixes: ['/toy2/'], migrations: {} };
    await expect(startEmulator({ database, logLevel: 'silent', modules: [...MODULES, toy, twin] })).rejects.toThrow(/two modules are named toy/);
  });

  it('a migration name used by two modules is refused', async () => {
    const copy: ApiModule = { ...toy, name: 'toy-copy', prefixes: ['/toy-copy/'] };
    await expect(startEmulator({ database: { kind: 'sqlite', file: ':memory:' }, logLevel: 'silent', modules: [...MODULES, toy, copy] })).rejects.toThrow(/migration toy_0001_items is defined twice/);
  });
});
