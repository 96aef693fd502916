import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { OperationsInputError, type Fault, type Incident, type Maintenance } from '../../environments/operations.js';
import { parseDuration } from '../../platform/clock.js';
import { ProblemError, problem } from '../../platform/problems.js';
import { StringEnum } from '../../platform/schemas.js';
import type { Platform } from '../module.js';
import { FaultCleared, FaultCreated, FaultList, FaultsCleared, FaultView, Incident as IncidentSchema, MaintenanceCreated, MaintenanceEnded, MaintenanceList, ScheduledMaintenance } from './schemas.js';

const Num = (o: object = {}) => Type.Optional(Type.Number(o));
const FaultBody = Type.Object(
  {
    type: StringEnum(['latency', 'errors', 'outage', 'callbacks', 'environment'] as const),
    api: Type.Optional(Type.String({ maxLength: 40 })),
    endpoint: Type.Optional(Type.String({ maxLength: 300 })),
    latencyMs: Num({ minimum: 0 }),
    distribution: Type.Optional(StringEnum(['fixed', 'uniform', 'normal'] as const)),
    min: Num({ minimum: 0 }),
    max: Num({ minimum: 0 }),
    mean: Num({ minimum: 0 }),
    stddev: Num({ minimum: 0 }),
    rate: Num({ exclusiveMinimum: 0, maximum: 1 }),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    mode: Type.Optional(StringEnum(['reset', '503', 'slow', 'fail'] as const)),
    environment: Type.Optional(Type.String({ maxLength: 10 })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9]{12}$' }) });
const MaintenanceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    environment: Type.Optional(Type.String({ maxLength: 10 })),
    apis: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { minItems: 1 })),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    startsIn: Type.Optional(Type.String({ description: 'a duration from now: "1h", "PT30M"' })),
    duration: Type.String({ description: 'how long the window lasts: "2h", "PT30M"' }),
    unavailable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

// operations.ts types its component views loosely (a record plus the fields it reads); the objects
// are complete statuspage.io components, as the schemas say (and the test emulator checks each serialization).
const incidentView = (ctx: Platform, i: Incident) => ctx.operations.incidentView(i) as unknown as Static<typeof IncidentSchema>;
const scheduledView = (ctx: Platform, m: Maintenance) => ctx.operations.maintenanceView(m) as unknown as Static<typeof ScheduledMaintenance>;
const faultView = (ctx: Platform, f: Fault) => ({ ...f, description: ctx.operations.describeFault(f), active: f.clearedAt === null });
const maintenanceView = (ctx: Platform, m: Maintenance) => ({ ...m, status: ctx.operations.maintenanceStatus(m) });

function badInput(err: unknown): never {
  if (err instanceof OperationsInputError) throw new ProblemError({ ...problem(400, 'Bad Request', err.message), extraDetails: [{ name: err.field, reason: err.message }] });
  throw err;
}

/**
 * Control API for operations: faults (each opens an incident on the status page and resolves it
 * when cleared) and scheduled maintenance windows.
 */
export const operationsControl = (ctx: Platform): FastifyPluginAsyncTypebox => async (app) => {
  const ops = ctx.operations;

  app.get('/faults', { schema: { summary: 'Active faults', response: { 200: FaultList } } }, async () => ({ faults: ops.activeFaults().map((f) => faultView(ctx, f)) }));

  app.post('/faults', { schema: { summary: 'Inject a fault (opens an incident)', body: FaultBody, response: { 201: FaultCreated } } }, async (request, reply) => {
    const { fault, incident } = await ops.addFault(request.body).catch(badInput);
    // A failed-over environment changes where deliveries come from: look again now.
    if (fault.type === 'environment') ctx.outbox.wake();
    return reply.code(201).send({ fault: faultView(ctx, fault), incident: incidentView(ctx, incident) });
  });

  app.get('/faults/:id', { schema: { summary: 'A fault', params: IdParams, response: { 200: FaultView } } }, async (request) => {
    const fault = ops.getFault(request.params.id);
    if (!fault) throw new ProblemError(problem(404, 'Not Found', `No fault ${request.params.id}.`));
    return faultView(ctx, fault);
  });

  app.delete('/faults/:id', { schema: { summary: 'Clear a fault (resolves its incident)', params: IdParams, response: { 200: FaultCleared } } }, async (request) => {
    const r = await ops.clearFault(request.params.id);
    if (!r) throw new ProblemError(problem(404, 'Not Found', `No active fault ${request.params.id}.`));
    if (r.fault.type === 'environment') ctx.outbox.wake();
    return { fault: faultView(ctx, r.fault), incident: r.incident ? incidentView(ctx, r.incident) : null };
  });

  app.delete('/faults', { schema: { summary: 'Clear every fault', response: { 200: FaultsCleared } } }, async () => {
    const cleared = await ops.clearAll();
    ctx.outbox.wake();
    return { cleared: cleared.map((f) => faultView(ctx, f)) };
  });

  app.get('/maintenances', { schema: { summary: 'Maintenance windows', response: { 200: MaintenanceList } } }, async () => ({ maintenances: ops.listMaintenances().map((m) => maintenanceView(ctx, m)) }));

  app.post('/maintenances', { schema: { summary: 'Schedule a maintenance window', body: MaintenanceBody, response: { 201: MaintenanceCreated } } }, async (request, reply) => {
    const b = request.body;
    const duration = (field: string, v: string) => {
      try {
        return parseDuration(v);
      } catch (err) {
        throw new ProblemError({ ...problem(400, 'Bad Request', (err as Error).message), extraDetails: [{ name: field, reason: (err as Error).message }] });
      }
    };
    if (b.startsAt !== undefined && b.startsIn !== undefined) {
      throw new ProblemError({ ...problem(400, 'Bad Request', 'Give startsAt or startsIn, not both.'), extraDetails: [{ name: 'startsIn', reason: 'not with startsAt' }] });
    }
    const m = await ops
      .addMaintenance({
        ...(b.name ? { name: b.name } : {}),
        ...(b.description ? { description: b.description } : {}),
        ...(b.environment ? { environment: b.environment } : {}),
        ...(b.apis ? { apis: b.apis } : {}),
        ...(b.startsAt ? { startsAt: b.startsAt } : {}),
        ...(b.startsIn ? { startsIn: duration('startsIn', b.startsIn) } : {}),
        durationMs: duration('duration', b.duration),
        ...(b.unavailable !== undefined ? { unavailable: b.unavailable } : {}),
      })
      .catch(badInput);
    return reply.code(201).send({ maintenance: maintenanceView(ctx, m), scheduled_maintenance: scheduledView(ctx, m) });
  });

  app.delete('/maintenances/:id', { schema: { summary: 'End (or delete a future) maintenance window', params: IdParams, response: { 200: MaintenanceEnded } } }, async (request) => {
    const r = await ops.endMaintenance(request.params.id);
    if (!r) throw new ProblemError(problem(404, 'Not Found', `No maintenance ${request.params.id}.`));
    return { maintenance: maintenanceView(ctx, r.maintenance), deleted: r.deleted };
  });
};
