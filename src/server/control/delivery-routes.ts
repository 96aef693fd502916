import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { deliveryStore } from '../../delivery/store.js';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../environments/request-servers.js';
import { Nullable, StringEnum, Timestamp } from '../../platform/schemas.js';
import { ProblemError, problem } from '../../platform/problems.js';
import type { AppContext } from '../context.js';

const DeliveryQuery = Type.Object(
  {
    reference: Type.Optional(Type.String({ maxLength: 64 })),
    webhookId: Type.Optional(Type.String({ maxLength: 36 })),
    /** Only attempts after this cursor (the `cursor` of an earlier answer), for `deliveries tail`. */
    after: Type.Optional(Type.String({ maxLength: 100 })),
    // Query strings are not coerced (no coercion anywhere, see decisions.md): a digit string.
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$' })),
  },
  { additionalProperties: false },
);
const DeliveryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ReplayView = Type.Object({
  id: Type.String({ description: 'The new delivery' }),
  replayOf: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  webhookId: Type.String(),
  reference: Type.String(),
  url: Type.String(),
});
const Environment = StringEnum(ENVIRONMENT_NAMES);
const EnvironmentParams = Type.Object({ environment: Environment });

export const DeliveryLog = Type.Object({
  deliveries: Type.Array(
    Type.Object({
      id: Type.String(),
      eventId: Type.String(),
      eventType: Type.String(),
      webhookId: Type.String({ description: 'The webhook, or `ecom-callback` for eCom callbacks' }),
      reference: Type.String(),
      status: StringEnum(['pending', 'delivered', 'dropped'] as const),
      attempts: Type.Integer(),
      nextAttemptAt: Nullable(Timestamp),
      deliveredAt: Nullable(Timestamp),
      lastError: Nullable(Type.String()),
    }),
  ),
  attempts: Type.Array(
    Type.Object({
      id: Type.String(),
      deliveryId: Type.String(),
      eventId: Type.String(),
      eventType: Type.String(),
      webhookId: Type.String(),
      reference: Type.String(),
      attempt: Type.Integer(),
      at: Timestamp,
      source: Type.Object({ environment: Type.String(), hostname: Type.String(), address: Type.String() }, { description: 'The request server it was sent from' }),
      request: Type.Object({
        method: Type.String(),
        url: Type.String(),
        headers: Type.Record(Type.String(), Type.String()),
        body: Type.String({ description: 'As sent (JSON text)' }),
      }),
      response: Nullable(Type.Object({ status: Type.Integer(), body: Nullable(Type.String()) })),
      latencyMs: Type.Number(),
      error: Nullable(Type.String()),
    }),
  ),
  cursor: Nullable(Type.String({ description: 'Pass as `after` to get only newer attempts' })),
});

type LogRows = Awaited<ReturnType<typeof deliveryStore.log>>;

/** The delivery log's rows as the control API shows them (also the dashboard's and the listings' deliveries). */
export function deliveryLogView(drows: LogRows['deliveries'], arows: LogRows['attempts']): Omit<Static<typeof DeliveryLog>, 'cursor'> {
  return {
    deliveries: drows.map((d) => ({
      id: d.id,
      eventId: d.event_id,
      eventType: d.event_type,
      webhookId: d.webhook_id,
      reference: d.reference,
      status: d.status,
      attempts: d.attempts,
      nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null,
      deliveredAt: d.delivered_at,
      lastError: d.last_error,
    })),
    attempts: arows.map((a) => ({
      id: a.id,
      deliveryId: a.delivery_id,
      eventId: a.event_id,
      eventType: a.event_type,
      webhookId: a.webhook_id,
      reference: a.reference,
      attempt: a.attempt,
      at: a.at,
      source: { environment: a.source_environment, hostname: a.source_hostname, address: a.source_address },
      request: { method: 'POST', url: a.url, headers: JSON.parse(a.request_headers) as Record<string, string>, body: a.payload },
      response: a.status_code === null ? null : { status: a.status_code, body: a.response_body },
      latencyMs: a.latency_ms,
      error: a.error,
    })),
  };
}

const RequestServer = Type.Object({ hostname: Type.String(), address: Type.String({ description: 'Loopback address deliveries bind as their source' }) });
const RequestServers = Type.Object({
  home: Environment,
  deliveringFrom: Type.Composite([Type.Object({ environment: Environment }), RequestServer]),
  dns: Nullable(Type.Object({ host: Type.String(), port: Type.Integer() })),
  environments: Type.Array(
    Type.Object({
      environment: Environment,
      down: Type.Boolean(),
      generation: Type.Integer(),
      active: RequestServer,
      servers: Type.Array(Type.Composite([Type.Object({ environment: Environment }), RequestServer, Type.Object({ active: Type.Boolean() })])),
    }),
  ),
});

/** Control API for the platform talking back: the delivery log and the request servers. */
export const deliveryControl = (ctx: AppContext): FastifyPluginAsyncTypebox => async (app) => {

  app.get('/deliveries', { schema: { summary: 'The delivery log: webhooks and callbacks, and every attempt', querystring: DeliveryQuery, response: { 200: DeliveryLog } } }, async (request) => {
    const { reference, webhookId, after } = request.query;
    // Every attempt that has finished is in the log (records nothing waits for are otherwise
    // written with a later batch); then the read waits for the durability barrier, as every read does.
    await ctx.dispatcher.recordedSoFar();
    await ctx.database.durable();
    const { deliveries: drows, attempts: arows } = await deliveryStore.log(ctx.database.db, {
      ...(reference ? { reference } : {}),
      ...(webhookId ? { webhookId } : {}),
      ...(after ? { after } : {}),
      limit: Number(request.query.limit ?? 200),
    });
    const last = arows.at(-1);
    return {
      ...deliveryLogView(drows, arows),
      cursor: last ? `${last.at}|${last.id}` : (after ?? null),
    };
  });

  app.post('/deliveries/:id/replay', { schema: { summary: 'Send a delivery again, now (one attempt, same payload, target and signing)', params: DeliveryParams, response: { 202: ReplayView } } }, async (request, reply) => {
    const { id } = request.params;
    const replay = await ctx.database.commands.run((trx) => ctx.outbox.replay(trx, id, ctx.ids.uuidv7()));
    if (replay === undefined) throw new ProblemError(problem(404, 'Not Found', `No delivery ${id}.`));
    if (replay === 'no-target') throw new ProblemError(problem(409, 'Conflict', `Delivery ${id} was recorded before targets were kept; it cannot be sent again.`));
    return reply.code(202).send({ id: replay.id, replayOf: id, eventId: replay.event_id, eventType: replay.event_type, webhookId: replay.webhook_id, reference: replay.reference, url: replay.target_url });
  });

  const serversView = () => ({
    home: ctx.servers.home,
    deliveringFrom: ctx.servers.deliveryServer(),
    dns: ctx.dns ? { host: ctx.dns.host, port: ctx.dns.port } : null,
    environments: ctx.servers.all(),
  });
  app.get('/request-servers', { schema: { summary: 'Request servers of prod, DR and MT', response: { 200: RequestServers } } }, async () => serversView());
  app.post('/request-servers/:environment/rotate', { schema: { summary: 'Make the next request server active', params: EnvironmentParams, response: { 200: RequestServers } } }, async (request) => {
    await ctx.servers.rotate(request.params.environment as EnvironmentName);
    return serversView();
  });
  for (const [action, down] of [['down', true], ['up', false]] as const) {
    app.post(`/request-servers/:environment/${action}`, { schema: { summary: down ? 'Take an environment down (deliveries fail over to DR)' : 'Bring an environment back', params: EnvironmentParams, response: { 200: RequestServers } } }, async (request) => {
      await ctx.servers.setDown(request.params.environment as EnvironmentName, down);
      ctx.dispatcher.wake();
      return serversView();
    });
  }
};
