import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { deliveryStore } from '../../delivery/store.js';
import { CursorError, type ActivityDetail, type ActivityKind } from '../../platform/activity.js';
import { ProblemError, problem } from '../../platform/problems.js';
import { Msn, Nullable, StringEnum } from '../../platform/schemas.js';
import type { AppContext } from '../context.js';
import { DeliveryLog, deliveryLogView } from './delivery-routes.js';

/** The listings' paths under /devkit/v1 and the kind each lists. */
export const LISTINGS: ReadonlyArray<{ path: string; kind: ActivityKind; title: string; api: string }> = [
  { path: 'payments', kind: 'payment', title: 'ePayment payments', api: 'epayment' },
  { path: 'orders', kind: 'order', title: 'eCom orders', api: 'ecom' },
  { path: 'agreements', kind: 'agreement', title: 'Recurring agreements', api: 'recurring' },
  { path: 'sessions', kind: 'session', title: 'Checkout sessions', api: 'checkout' },
];

const Kind = StringEnum(['payment', 'order', 'agreement', 'session'] as const);
const Money = Type.Object({ currency: Type.String(), value: Type.Integer({ description: 'Minor units' }) });

export const ActivityItemSchema = Type.Object({
  kind: Kind,
  api: Type.String({ description: 'The module that keeps it' }),
  msn: Type.String(),
  id: Type.String({ description: 'Reference, order id, agreement id or session reference (unique per MSN)' }),
  state: Type.String(),
  amount: Nullable(Money),
  description: Nullable(Type.String()),
  phoneNumber: Nullable(Type.String()),
  createdAt: Type.String(),
  owner: Nullable(Type.String({ description: 'The module it was made for (a Checkout session’s payment)' })),
  related: Type.Array(Type.Object({ kind: Kind, id: Type.String() })),
});

const ListQuery = Type.Object(
  {
    msn: Type.Optional(Msn),
    state: Type.Optional(Type.String({ pattern: '^[A-Za-z_]{1,40}$' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Case-insensitive text in the id, description, phone number…' })),
    // Query strings are not coerced (see decisions.md): a digit string.
    limit: Type.Optional(Type.String({ pattern: '^(200|1[0-9]{2}|[1-9][0-9]?)$', description: '1–200, default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The `cursor` of the previous page' })),
  },
  { additionalProperties: false },
);
const ListResponse = Type.Object({
  items: Type.Array(ActivityItemSchema),
  cursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next (older) page; null on the last' })),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const GetQuery = Type.Object({ msn: Type.Optional(Msn) }, { additionalProperties: false });
const DetailResponse = Type.Composite([
  ActivityItemSchema,
  Type.Object({
    timeline: Type.Array(Type.Object({ at: Type.String(), name: Type.String(), amount: Nullable(Money), success: Type.Boolean(), detail: Nullable(Type.String()) })),
    document: Type.Unknown({ description: 'The object as its API shows it' }),
    deliveries: Type.Omit(DeliveryLog, ['cursor']),
  }),
]);
export type ActivityDetailView = Static<typeof DetailResponse>;

/** One object with its timeline and its webhook/callback deliveries, found by id (and MSN when several merchants use the id). */
export async function findActivity(ctx: AppContext, kind: ActivityKind, id: string, msn: string | undefined): Promise<ActivityDetailView> {
  const source = ctx.activity.source(kind);
  if (!source) throw new ProblemError(problem(404, 'Not Found', `No module of this emulator keeps ${kind}s.`));
  const owners = (await source.owners(id)).filter((m) => msn === undefined || m === msn);
  if (owners.length === 0) throw new ProblemError(problem(404, 'Not Found', `No ${kind} ${id}${msn ? ` for MSN ${msn}` : ''}.`));
  if (owners.length > 1) {
    throw new ProblemError({
      ...problem(409, 'Ambiguous id', `Merchants ${owners.join(', ')} all have a ${kind} ${id}; give ?msn=.`),
      extraDetails: [{ name: 'msn', reason: 'required when several merchants use the id' }],
    });
  }
  const detail = (await source.get(owners[0]!, id)) as ActivityDetail;
  return { ...detail.item, timeline: detail.timeline, document: detail.document, deliveries: await deliveriesOf(ctx, detail.item.msn, id) };
}

/** The deliveries (webhooks, callbacks) owed for one object: the log keyed by MSN and reference (and references below it: an agreement's charges). */
export async function deliveriesOf(ctx: AppContext, msn: string, reference: string) {
  await ctx.dispatcher.recordedSoFar();
  await ctx.database.durable();
  const log = await deliveryStore.log(ctx.database.db, { msn, reference, withChildren: true, limit: 500 });
  return deliveryLogView(log.deliveries, log.attempts);
}

/**
 * What landed, through the control API: `GET /devkit/v1/payments` (ePayment), `/orders` (eCom),
 * `/agreements` (Recurring), `/sessions` (Checkout), newest first with filters and paging, and each
 * object with its timeline and deliveries. The modules provide the data (platform/activity.ts).
 */
export const activityControl = (ctx: AppContext): FastifyPluginAsyncTypebox => async (app) => {
  for (const listing of LISTINGS) {
    app.get(`/${listing.path}`, { schema: { summary: `${listing.title}, newest first (filters: msn, state, q; paging: limit, cursor)`, querystring: ListQuery, response: { 200: ListResponse } } }, async (request) => {
      const { msn, state, q, cursor } = request.query;
      await ctx.database.durable();
      try {
        return await ctx.activity.page(listing.kind, { ...(msn ? { msn } : {}), ...(state ? { state } : {}), ...(q ? { search: q } : {}), ...(cursor ? { cursor } : {}), limit: Number(request.query.limit ?? 50) });
      } catch (err) {
        if (err instanceof CursorError) throw new ProblemError({ ...problem(400, 'Bad Request', err.message), extraDetails: [{ name: 'cursor', reason: err.message }] });
        throw err;
      }
    });
    app.get(`/${listing.path}/:id`, { schema: { summary: `One of the ${listing.title}: its timeline and its deliveries`, params: IdParams, querystring: GetQuery, response: { 200: DetailResponse } } }, async (request) => {
      await ctx.database.durable();
      return findActivity(ctx, listing.kind, request.params.id, request.query.msn);
    });
  }
};
