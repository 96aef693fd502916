/**
 * The Report API at its real paths: ledgers, v2 funds/fees reports by date and as a feed, and the
 * deprecated v1 ledgertransactions. A merchant's API keys see the ledger of their own sales unit;
 * any other ledger is an empty list, not an error (reference §6.1).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest, FastifySchema, HookHandlerDoneFunction } from 'fastify';
import { authenticate, type Credentials } from '../../platform/auth.js';
import type { Merchant } from '../../platform/merchants.js';
import { GatewayError } from '../../platform/problems.js';
import { MERCHANT_SECURITY } from '../../platform/schemas.js';
import { isDate } from './domain/calendar.js';
import type { Topic } from './domain/types.js';
import { ErrorCodeBody, reportErrors, UnauthorizedBody } from './errors.js';
import { CursorQuery, DatesParams, FeedParams, LedgersQuery, LedgersResponse, ReportPage, V1Query, V1Response, type V1Item } from './schemas.js';
import type { SettlementService } from './service.js';
import { settlementStore as store, type Db, type StoredUnit } from './store.js';
import { apiHandleOf, decodeCursor, encodeCursor, entryView, ledgerView, seqCursor, v1PayoutView, v1TransactionView } from './views.js';

/** Entries per page (reference §6.4: at most 1000). */
export const PAGE_SIZE = 1000;

/** The merchant behind the access token and subscription key; any credentials failure is the Report API's 401. */
function reportAuth(credentials: Credentials) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    authenticate(credentials, request, { requireMsn: false }).then(
      (merchant) => {
        request.merchant = merchant;
        done();
      },
      (err: Error) => done(err instanceof GatewayError ? reportErrors.unauthorized() : err),
    );
  };
}

/** What every route documents besides its own: the credentials and the Report API's error bodies. */
const documented = (schema: FastifySchema | undefined): FastifySchema => ({
  ...schema,
  security: MERCHANT_SECURITY,
  response: { ...(schema?.response as object | undefined), 400: ErrorCodeBody, 401: UnauthorizedBody, 500: ErrorCodeBody },
});

export interface ReportRouteDeps {
  credentials: Credentials;
  service: SettlementService;
  database: Db;
}

export const reportRoutes = (deps: ReportRouteDeps): FastifyPluginAsyncTypebox => async (app) => {
  app.addHook('onRequest', reportAuth(deps.credentials));
  app.addHook('onRoute', (route) => {
    route.schema = documented(route.schema);
  });
  const db = deps.database;

  /** The ledger with this ID if the caller's keys may see it. */
  const accessible = async (merchant: Merchant, ledgerId: string): Promise<StoredUnit | undefined> => {
    const unit = await store.unitByLedger(db, ledgerId);
    return unit && unit.unit.msn === merchant.msn ? unit : undefined;
  };

  app.get('/settlement/v1/ledgers', { schema: { operationId: 'getLedgers', summary: 'The ledgers the API keys may read', querystring: LedgersQuery, response: { 200: LedgersResponse } } }, async (request) => {
    const merchant = request.merchant!;
    if (request.query.cursor !== undefined && request.query.cursor !== '') decodeCursor(request.query.cursor, (v) => (typeof v.afterLedgerId === 'string' ? v : undefined));
    // The ledger of the keys' sales unit exists from the first call on (or its first capture).
    const unit = await deps.service.unitOf(merchant.msn);
    const handle = request.query.settlesForRecipientHandles;
    const items = handle === undefined || handle === apiHandleOf(merchant.msn) ? [ledgerView(unit)] : [];
    // One ledger per set of keys: never a next page.
    return { cursor: '', items };
  });

  app.get('/report/v2/ledgers/:ledgerId/:topic/dates/:ledgerDate', { schema: { summary: 'A complete report of one ledger date', params: DatesParams, querystring: CursorQuery, response: { 200: ReportPage } } }, async (request) => {
    const { ledgerId, topic, ledgerDate } = request.params;
    if (!isDate(ledgerDate)) throw reportErrors.invalid('ledgerDate', 'must be a date YYYY-MM-DD');
    const afterSeq = request.query.cursor ? decodeCursor(request.query.cursor, seqCursor) : 0;
    const unit = await accessible(request.merchant!, ledgerId);
    if (!unit) return { hasMore: false, items: [] };
    // Not closed yet: no data before the whole ledger date has ended.
    if (ledgerDate > unit.state.lastClosed) return { items: [], tryLater: true };
    const rows = await store.entriesOfDate(db, ledgerId, topic as Topic, ledgerDate, afterSeq, PAGE_SIZE + 1);
    const page = rows.slice(0, PAGE_SIZE);
    if (rows.length > PAGE_SIZE) return { cursor: encodeCursor({ afterSeq: page[page.length - 1]!.seq }), hasMore: true, tryLater: false, items: page.map(entryView) };
    return { hasMore: false, tryLater: false, items: page.map(entryView) };
  });

  app.get('/report/v2/ledgers/:ledgerId/:topic/feed', { schema: { summary: 'All entries of a topic, as an endless feed', params: FeedParams, querystring: CursorQuery, response: { 200: ReportPage } } }, async (request) => {
    const { ledgerId, topic } = request.params;
    const afterSeq = request.query.cursor ? decodeCursor(request.query.cursor, seqCursor) : 0;
    const unit = await accessible(request.merchant!, ledgerId);
    const rows = unit ? await store.feed(db, ledgerId, topic as Topic, afterSeq, PAGE_SIZE) : [];
    const cursor = encodeCursor({ afterSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : afterSeq });
    // A page that is not full is the end for now: wait, then come back with the cursor.
    return { cursor, tryLater: rows.length < PAGE_SIZE, items: rows.map(entryView) };
  });

  app.get('/report/v1/ledgertransactions', { schema: { summary: 'Deprecated: the transactions of a ledger (v1)', deprecated: true, querystring: V1Query, response: { 200: V1Response } } }, async (request) => {
    const q = request.query;
    for (const field of ['ledgerDate', 'fromLedgerDate', 'toLedgerDate'] as const) {
      const value = q[field];
      if (value !== undefined && !isDate(value)) throw reportErrors.invalid(field, 'must be a date YYYY-MM-DD');
    }
    for (const field of ['inPayout', 'sincePayout'] as const) {
      const value = q[field];
      if (value !== undefined && !/^[0-9]{7}$/.test(value)) throw reportErrors.invalid(field, 'must be a payout number (7 digits)');
    }
    const after = q.cursor ? decodeCursor(q.cursor, (v) => (typeof v.startTime === 'string' && typeof v.startTransactionId === 'string' ? { time: v.startTime, id: v.startTransactionId } : undefined)) : undefined;
    const unit = await accessible(request.merchant!, q.ledgerId);
    if (!unit) return { cursor: '', items: [] };
    const closed = unit.state.lastClosed;
    const from = q.ledgerDate ?? q.fromLedgerDate;
    const to = [q.ledgerDate ?? q.toLedgerDate ?? closed, closed].sort()[0]!;
    let payouts = await store.settlements(db, { msns: [unit.unit.msn], ...(from ? { from } : {}), to });
    if (q.inPayout) payouts = payouts.filter((s) => s.settlementId === q.inPayout);
    if (q.sincePayout) payouts = payouts.filter((s) => s.settlementId > q.sincePayout!);
    const byPayout = q.inPayout || q.sincePayout ? payouts.map((s) => s.settlementId) : undefined;
    const rows = await store.v1Transactions(db, unit.unit.msn, { ...(byPayout ? {} : { ...(from ? { from } : {}), to }), ...(byPayout ? { settlementIds: byPayout } : {}), ...(after ? { after } : {}), limit: PAGE_SIZE + 1 });
    const items: V1Item[] = rows.slice(0, PAGE_SIZE).map((t) => v1TransactionView(t, unit.unit));
    if (rows.length > PAGE_SIZE) {
      const last = rows[PAGE_SIZE - 1]!;
      return { cursor: encodeCursor({ ledgerId: unit.unit.ledgerId, startTransactionId: last.transactionId, startTime: last.time, endTime: null, startLedgerDate: from ?? null, endLedgerDate: to }), items };
    }
    // The payouts come after the transactions they pay, on the last page.
    return { cursor: '', items: [...items, ...payouts.map(v1PayoutView)] };
  });
};

