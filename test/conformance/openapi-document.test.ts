/**
 * The served OpenAPI document itself (GET /devkit/v1/openapi.json): generated from the routes,
 * tagged from the module registry, a response schema on every API and control operation, unique
 * operation ids, the emulator's own URL as server; and the docs page (GET /devkit/v1/docs), whose
 * Swagger UI files come from the package, under a CSP that allows only this origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULES } from '../../src/apis/index.js';
import { usersideModule } from '../../src/apis/userside/module.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

type Operation = { operationId?: string; tags?: string[]; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown[] };

describe('the OpenAPI document and the docs page', () => {
  let emulator: TestEmulator;
  let doc: { openapi: string; servers: Array<{ url: string }>; tags: Array<{ name: string }>; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
  const ops: Array<{ method: string; path: string; op: Operation }> = [];

  beforeAll(async () => {
    // Validators and serializers compile on first use; here all at start-up, so a schema ajv or fast-json-stringify cannot compile fails.
    emulator = await startTestEmulator({ eagerSchemas: true });
    const res = await fetch(`${emulator.url}/devkit/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as typeof doc;
    for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) ops.push({ method: method.toUpperCase(), path, op });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('is OpenAPI 3.1 with the emulator as its server and the security schemes the operations name', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers[0]!.url).toBe(emulator.url);
    const named = new Set(ops.flatMap(({ op }) => (op.security ?? []).flatMap((s) => Object.keys(s as object))));
    for (const name of named) expect(Object.keys(doc.components.securitySchemes)).toContain(name);
  });

  it('tags every operation with its module title, and control routes with "Control API"', () => {
    const titles = new Set([...MODULES.map((m) => m.title), 'Control API']);
    const wrong = ops.filter(({ path, op }) => op.tags?.length !== 1 || !titles.has(op.tags[0]!) || path.startsWith('/devkit/') !== (op.tags[0] === 'Control API'));
    expect(wrong.map(({ method, path, op }) => `${method} ${path} ${JSON.stringify(op.tags)}`)).toEqual([]);
    // The user side and the merchant portal are pages for people; the portal leaves the document entirely.
    for (const module of MODULES.filter((m) => m.name !== 'userside' && m.name !== 'portal')) expect(ops.some(({ op }) => op.tags?.[0] === module.title), module.title).toBe(true);
    // The document's own routes are not operations.
    expect(ops.some(({ path }) => path.startsWith('/devkit/v1/docs') || path === '/devkit/v1/openapi.json')).toBe(false);
  });

  it('declares a success response on every API and control operation (the user-side pages are HTML; a redirect hop succeeds with its 3xx)', () => {
    const without = ops
      .filter(({ op }) => op.tags?.[0] !== usersideModule.title)
      .filter(({ op }) => !Object.keys(op.responses ?? {}).some((s) => /^[23]/.test(s)));
    expect(without.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });

  it('documents each module\'s error body and gives operation ids once', () => {
    const epayment = doc.paths['/epayment/v1/payments']!.post!;
    expect(Object.keys(epayment.responses!['4XX']!.content!)).toEqual(['application/problem+json']);
    expect(Object.keys(epayment.responses!['401']!.content!)).toEqual(['application/json']);
    const ecom = doc.paths['/ecomm/v2/payments']!.post!;
    expect((ecom.responses!['4XX']!.content!['application/json']!.schema as { type: string }).type).toBe('array');
    const ids = ops.map(({ op }) => op.operationId).filter((id) => id !== undefined);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids).toContain('createPayment');
    // Routes without an official id get one from method and path.
    expect(doc.paths['/devkit/v1/ecom/payments/{orderId}/approve']!.post!.operationId).toBe('postEcomPaymentsByOrderIdApprove');
  });

  it('serves Swagger UI from the package under a strict CSP', async () => {
    const page = await fetch(`${emulator.url}/devkit/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https:|unsafe-eval|\*/);
    const html = await page.text();
    // No script or style from anywhere else, no inline script.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
    for (const src of html.match(/(?<=src=")[^"]+/g) ?? []) {
      const asset = await fetch(new URL(src, `${emulator.url}/devkit/v1/docs`));
      expect(asset.status, src).toBe(200);
    }
    const init = await (await fetch(`${emulator.url}/devkit/v1/docs/static/swagger-initializer.js`)).text();
    expect(init).toContain("resolveUrl('./json')");
    const json = await fetch(`${emulator.url}/devkit/v1/docs/json`);
    expect(((await json.json()) as typeof doc).servers[0]!.url).toBe(emulator.url);
  });
});
