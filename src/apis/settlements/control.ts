import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { MerchantDirectory } from '../../platform/merchants.js';
import { ProblemError, problem } from '../../platform/problems.js';
import type { IdSource } from '../../platform/ids.js';
import { isBankAccount, isOrganizationNumber } from './domain/identifiers.js';
import type { SalesUnit } from './domain/types.js';
import { ListQuery, MovementRequest, MsnParams, SalesUnitPatch, SalesUnitSchema, SettlementList, SettlementParams, SettlementSchema, TransactionSchema } from './schemas.js';
import type { SettlementService } from './service.js';
import { settlementStore as store, type Db } from './store.js';

const LedgerStateView = Type.Object({
  ledgerId: Type.String(),
  lastClosed: Type.String(),
  fundsBalance: Type.Integer(),
  feesBalance: Type.Integer(),
  carried: Type.Object({ count: Type.Integer(), capture: Type.Integer(), refund: Type.Integer(), fee: Type.Integer(), firstLedgerDate: Type.Union([Type.String(), Type.Null()]) }),
  nextSettlementId: Type.String(),
});
const TransactionList = Type.Object({ transactions: Type.Array(TransactionSchema) });
const WaitingQuery = Type.Object({ waiting: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: only transactions not paid out yet' })) });

/**
 * Test helpers for settlements under `/devkit/v1/settlements` (control API guard, RFC 7807 errors):
 * list settlements (all, or of a sales unit), read one with its transaction lines, read and change
 * a sales unit's settlement profile (organization, account, net/gross, frequency, fee model,
 * cut-off hour), book a capture or refund directly, and close the ended ledger dates now.
 */
export const settlementControl = (service: SettlementService, deps: { database: Db; merchants: MerchantDirectory; ids: IdSource }): FastifyPluginAsyncTypebox => async (app) => {
  const db = deps.database;
  const knownMsn = (msn: string) => {
    if (!deps.merchants.get(msn)) throw new ProblemError(problem(404, 'Not Found', `No merchant with MSN ${msn}.`));
  };

  app.get('/', { schema: { summary: 'Settlements, oldest first (all sales units, or one: ?msn=)', querystring: ListQuery, response: { 200: SettlementList } } }, async (request) => {
    const { msn, from, to } = request.query;
    const list = await store.settlements(db, { ...(msn ? { msns: [msn] } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });
    return { settlements: list.map((s) => service.view(s)) };
  });

  app.get('/units/:msn', { schema: { summary: "A sales unit's settlement profile and ledger", params: MsnParams, response: { 200: SalesUnitSchema } } }, async (request) => {
    knownMsn(request.params.msn);
    return service.unitOf(request.params.msn);
  });

  app.get('/units/:msn/ledger', { schema: { summary: "Where a sales unit's ledger stands: last closed date, balances, what waits", params: MsnParams, response: { 200: LedgerStateView } } }, async (request) => {
    knownMsn(request.params.msn);
    await service.unitOf(request.params.msn);
    const stored = (await store.loadUnit(db, request.params.msn))!;
    const { state } = stored;
    return { ledgerId: stored.unit.ledgerId, lastClosed: state.lastClosed, fundsBalance: state.balances.funds, feesBalance: state.balances.fees, carried: state.carried, nextSettlementId: String(state.nextSettlementNumber) };
  });

  app.patch('/units/:msn', { schema: { summary: "Changes a sales unit's settlement profile", params: MsnParams, body: SalesUnitPatch, response: { 200: SalesUnitSchema } } }, async (request) => {
    knownMsn(request.params.msn);
    const patch = request.body;
    if (patch.organizationNumber !== undefined && !isOrganizationNumber(patch.organizationNumber)) throw invalid('organizationNumber', 'is not a valid organization number (modulus 11 check digit)');
    if (patch.settlementAccount !== undefined && !isBankAccount(patch.settlementAccount)) throw invalid('settlementAccount', 'is not a valid Norwegian account number (modulus 11 check digit)');
    return service.configure(request.params.msn, (unit): SalesUnit => ({ ...unit, ...patch }));
  });

  app.get('/units/:msn/settlements', { schema: { summary: "A sales unit's settlements, oldest first", params: MsnParams, querystring: Type.Omit(ListQuery, ['msn']), response: { 200: SettlementList } } }, async (request) => {
    const { from, to } = request.query;
    const list = await store.settlements(db, { msns: [request.params.msn], ...(from ? { from } : {}), ...(to ? { to } : {}) });
    return { settlements: list.map((s) => service.view(s)) };
  });

  app.get('/units/:msn/settlements/:settlementId', { schema: { summary: 'One settlement', params: SettlementParams, response: { 200: SettlementSchema } } }, async (request) => {
    const s = await store.settlement(db, request.params.msn, request.params.settlementId);
    if (!s) throw new ProblemError(problem(404, 'Not Found', `Sales unit ${request.params.msn} has no settlement ${request.params.settlementId}.`));
    return service.view(s);
  });

  app.get('/units/:msn/settlements/:settlementId/transactions', { schema: { summary: "A settlement's transaction lines (report order)", params: SettlementParams, response: { 200: TransactionList } } }, async (request) => {
    const { msn, settlementId } = request.params;
    if (!(await store.settlement(db, msn, settlementId))) throw new ProblemError(problem(404, 'Not Found', `Sales unit ${msn} has no settlement ${settlementId}.`));
    return { transactions: await store.transactions(db, msn, { settlementId }) };
  });

  app.get('/units/:msn/transactions', { schema: { summary: "A sales unit's ledger transactions (?waiting=true: not paid out yet)", params: MsnParams, querystring: WaitingQuery, response: { 200: TransactionList } } }, async (request) => {
    return { transactions: await store.transactions(db, request.params.msn, request.query.waiting === 'true' ? { settlementId: null } : {}) };
  });

  app.post('/units/:msn/transactions', { schema: { summary: 'Books a capture or refund now, as if a payment API had made it', params: MsnParams, body: MovementRequest, response: { 201: Type.Object({ booked: Type.Boolean() }) } } }, async (request, reply) => {
    knownMsn(request.params.msn);
    const { kind, amount, reference } = request.body;
    const unit = await service.unitOf(request.params.msn);
    await service.recordNow({ source: 'devkit', sourceId: deps.ids.uuid(), msn: request.params.msn, kind, amount, currency: unit.currency, reference: reference ?? '', at: service.now().toISOString() });
    return reply.code(201).send({ booked: true });
  });

  app.post('/close', { schema: { summary: 'Closes every ledger date that has ended (the clock does this on its own)', response: { 200: SettlementList } } }, async () => {
    return { settlements: (await service.closeDue()).map((s) => service.view(s)) };
  });
};

const invalid = (name: string, reason: string) => new ProblemError({ ...problem(400, 'Bad Request', `${name} ${reason}.`), extraDetails: [{ name, reason }] });
