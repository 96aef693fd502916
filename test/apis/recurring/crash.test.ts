/**
 * kill -9 while the calendar processes a clock jump over many due charges (the built CLI, a real
 * process, a SQLite file): after a restart every charge is taken exactly once — none processed
 * twice, none lost — because each batch's charges and events commit in one transaction and the
 * calendar resumes from what was committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeProcess, stopProcess, type Banner } from '../../helpers/cli.js';
import { BATCH_SIZE } from '../../../src/apis/recurring/service.js';
import { http } from '../../helpers/emulator.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'devkit-recurring-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const CHARGES = 30_000;
const BATCH = 1000;

async function token(b: Banner): Promise<string> {
  return (await http(`${b.url}/accesstoken/get`, { method: 'POST', headers: { client_id: b.clientId, client_secret: b.clientSecret, 'ocp-apim-subscription-key': b.subscriptionKey } })).body.access_token;
}
function api(b: Banner, t: string | undefined, method: string, p: string, body?: unknown, key?: string, timeoutMs = 30_000) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (t) Object.assign(headers, { authorization: `Bearer ${t}`, 'ocp-apim-subscription-key': b.subscriptionKey, 'merchant-serial-number': b.merchantSerialNumber });
  if (key) headers['idempotency-key'] = key;
  return http(`${b.url}${p}`, { method, headers, signal: AbortSignal.timeout(timeoutMs), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}
/** Charge statuses straight from the data directory's database (read-only, the emulator stopped). */
function statuses(): Map<string, number> {
  const db = new Database(path.join(dataDir, 'devkit.sqlite'), { readonly: true });
  try {
    const rows = db.prepare("select status, count(*) as n from recurring_charges where id like 'crash-%' group by status").all() as Array<{ status: string; n: number }>;
    return new Map(rows.map((r) => [r.status, r.n]));
  } finally {
    db.close();
  }
}

describe('the Recurring calendar survives kill -9', () => {
  it('takes every due charge exactly once after a crash in the middle of a clock jump', { timeout: 120_000 }, async () => {
    const args = ['--data-dir', dataDir, '--rate-limits', 'off'];
    const first = await startServeProcess(args);
    const b = first.banner;
    const t = await token(b);
    const drafted = await api(b, t, 'POST', '/recurring/v3/agreements', {
      pricing: { type: 'LEGACY', amount: 100_000, currency: 'NOK' }, interval: { unit: 'MONTH', count: 1 },
      merchantRedirectUrl: 'https://example.com/r', merchantAgreementUrl: 'https://example.com/a', productName: 'Crash test',
    }, 'draft-1');
    expect(drafted.status, drafted.text).toBe(201);
    const agreementId = drafted.body.agreementId as string;
    expect((await api(b, t, 'PATCH', `/recurring/v3/agreements/${agreementId}/accept`, { phoneNumber: '4791234567' }, 'accept-1')).status).toBe(204);
    const now = (await api(b, undefined, 'GET', '/devkit/v1/clock')).body;
    const tomorrow = new Date(Date.parse(now.now) + 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < CHARGES / BATCH; i += 1) {
      const items = Array.from({ length: BATCH }, (_, k) => ({ agreementId, orderId: `crash-${i * BATCH + k}`, amount: 1000, transactionType: 'DIRECT_CAPTURE', description: 'Due', due: tomorrow, retryDays: 0 }));
      const r = await api(b, t, 'POST', '/recurring/v3/agreements/charges', items, `batch-${i}`);
      expect(r.body.validCharges, r.text).toHaveLength(BATCH);
    }

    // The jump: processing starts; as soon as the first batch is committed, kill -9.
    const jump = api(b, undefined, 'POST', '/devkit/v1/clock/advance', { duration: '2d' }).catch(() => undefined);
    // Read from the database file itself (WAL: a reader beside the running emulator), not the API:
    // the jump has already moved the clock past the lifetime of the access token.
    await expect.poll(() => statuses().get('CHARGED') ?? 0, { timeout: 30_000, interval: 10 }).toBeGreaterThan(0);
    await stopProcess(first.child, 'SIGKILL');
    await jump;
    const atKill = statuses();
    const taken = atKill.get('CHARGED') ?? 0;
    // The crash came in the middle: some charges were taken, some were still owed.
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThan(CHARGES);
    // Whole batches (one transaction each; every charge here is owed at the same instant).
    expect(taken % BATCH_SIZE).toBe(0);
    expect((atKill.get('DUE') ?? 0) + taken).toBe(CHARGES);

    const second = await startServeProcess(args);
    try {
      const t2 = await token(second.banner);
      // The clock's jump was saved before it was shown: after the restart the calendar finishes the rest.
      expect((await api(second.banner, undefined, 'POST', '/devkit/v1/recurring/process', {}, undefined, 60_000)).status).toBe(200);
      const all = (await api(second.banner, t2, 'GET', `/recurring/v3/agreements/${agreementId}/charges`, undefined, undefined, 60_000)).body as Array<{ id: string; status: string; transactionId: string; history: Array<{ event: string }> }>;
      const charges = all.filter((c) => c.id.startsWith('crash-'));
      expect(charges).toHaveLength(CHARGES);
      expect(charges.filter((c) => c.status !== 'CHARGED')).toEqual([]);
      // Taken exactly once each: one CAPTURE in every history, a transaction id of its own.
      expect(charges.filter((c) => c.history.filter((h) => h.event === 'CAPTURE').length !== 1)).toEqual([]);
      expect(new Set(charges.map((c) => c.id)).size).toBe(CHARGES);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nemulator log after restart:\n${second.stderr().slice(-3000)}`);
    } finally {
      await stopProcess(second.child);
    }
  });
});
