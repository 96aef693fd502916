/**
 * The user inbox on its own, with two made-up providers: how keys are routed to providers, how a
 * user's app is put together from several APIs, and what happens in the sending command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/open.js';
import { FixedClock } from '../../src/platform/clock.js';
import { UserInbox, type InboxKey, type PaymentRequestProvider, type PaymentRequestView } from '../../src/platform/user-inbox.js';

let database: DatabaseHandle;
const clock = new FixedClock(new Date('2026-01-01T12:00:00Z'));
const tick = () => clock.set(new Date(clock.now().getTime() + 1000));

beforeAll(async () => {
  database = await openDatabase({ kind: 'sqlite', file: ':memory:' });
});
afterAll(async () => {
  await database?.close();
});

const view = (api: string, msn: string, key: string, reference: string): PaymentRequestView => ({
  api,
  key,
  msn,
  reference,
  state: 'CREATED',
  amount: { currency: 'NOK', value: 1000 },
  expiresAt: '2026-01-01T13:00:00Z',
  token: `token-${api}-${reference}`,
  flow: 'WEB_REDIRECT',
});

/** A provider over an in-memory list; records what the inbox asks of it. */
function fakeProvider(name: string, keyPrefix: string, requests: PaymentRequestView[]) {
  const calls = { load: [] as InboxKey[][], sentToApp: [] as string[] };
  const provider: PaymentRequestProvider = {
    name,
    keyPrefix,
    byToken: async (token) => requests.find((r) => r.token === token),
    load: async (keys) => {
      calls.load.push([...keys]);
      return requests.filter((r) => keys.some((k) => k.msn === r.msn && k.key === r.key));
    },
    decide: async () => ({ ok: true }),
    cancel: async () => ({ ok: true }),
    async sentToApp(trx, request) {
      // Inside the sending command: the row is already written in this transaction.
      const row = await trx.selectFrom('app_requests').select('phone_number').where('msn', '=', request.msn).where('reference', '=', request.key).executeTakeFirst();
      calls.sentToApp.push(`${request.reference}->${row?.phone_number}`);
    },
  };
  return { provider, calls };
}

describe('UserInbox', () => {
  const plain = [view('plain', '1001', 'order-1', 'order-1'), view('plain', '1001', 'order-2', 'order-2')];
  const prefixed = [view('prefixed', '1001', 'p/order-1', 'order-1')];
  const a = fakeProvider('plain', '', plain);
  const b = fakeProvider('prefixed', 'p/', prefixed);
  let inbox: UserInbox;

  it('registers one provider per name and per key prefix', () => {
    inbox = new UserInbox({ database, clock });
    inbox.register(a.provider);
    inbox.register(b.provider);
    expect(() => inbox.register({ ...a.provider, keyPrefix: 'x/' })).toThrow(/twice/);
    expect(() => inbox.register({ ...b.provider, name: 'other' })).toThrow(/taken/);
    expect(inbox.providers().map((p) => p.name)).toEqual(['plain', 'prefixed']);
    expect(inbox.providerOf(prefixed[0]!)).toBe(b.provider);
  });

  it('finds a token in whichever provider minted it', async () => {
    expect(await inbox.byToken('token-prefixed-order-1')).toEqual(prefixed[0]);
    expect(await inbox.byToken('token-plain-order-2')).toEqual(plain[1]);
    expect(await inbox.byToken('nobody')).toBeUndefined();
  });

  it('sends a request in one command, telling its provider; sending again moves it to the other user', async () => {
    await inbox.send(plain[0]!, '4790000001', 'LANDING');
    expect(await inbox.recipient({ msn: '1001', key: 'order-1' })).toBe('4790000001');
    tick();
    await inbox.send(plain[0]!, '4790000002', 'QR');
    expect(await inbox.recipient({ msn: '1001', key: 'order-1' })).toBe('4790000002');
    expect(a.calls.sentToApp).toEqual(['order-1->4790000001', 'order-1->4790000002']);
  });

  it("a user's app lists every provider's requests, newest first, each loaded by its own provider", async () => {
    tick();
    await database.commands.run((trx) => inbox.deliver(trx, { msn: '1001', key: 'p/order-1' }, '4790000002', 'PUSH_MESSAGE'));
    tick();
    // A row whose payment is gone (e.g. another instance reset it) is left out.
    await database.commands.run((trx) => inbox.deliver(trx, { msn: '1001', key: 'p/gone' }, '4790000002', 'CONTROL_API'));
    a.calls.load.length = 0;
    b.calls.load.length = 0;
    const entries = await inbox.forUser('4790000002');
    expect(entries.map((e) => [e.request.api, e.request.reference, e.via])).toEqual([
      ['prefixed', 'order-1', 'PUSH_MESSAGE'],
      ['plain', 'order-1', 'QR'],
    ]);
    expect(entries[1]!.sentAt).toBe('2026-01-01T12:00:01.000Z');
    // The longest prefix wins: 'p/…' keys go to the prefixed provider only.
    expect(a.calls.load).toEqual([[{ msn: '1001', key: 'order-1' }]]);
    expect(b.calls.load).toEqual([[{ msn: '1001', key: 'p/gone' }, { msn: '1001', key: 'p/order-1' }]]);
    expect(await inbox.forUser('4790000001')).toEqual([]);
  });

  it("a deleted user's app goes with them", async () => {
    await database.commands.run((trx) => inbox.removeUser(trx, '4790000002'));
    expect(await inbox.forUser('4790000002')).toEqual([]);
    expect(await inbox.recipient({ msn: '1001', key: 'order-1' })).toBeUndefined();
  });
});
