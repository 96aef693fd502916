import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from '../../platform/schemas.js';
import { FaultCleared, FaultCreated, FaultList, FaultsCleared, FaultView, Incident as IncidentSchema, MaintenanceCreated, MaintenanceEnded, MaintenanceList, ScheduledMaintenance } from './schemas.js';
import { parseDuration } from '../../platform/clock.js';
import { ProblemError, problem } from '../../platform/problems.js';
import type { Fault, Maintenance } from './domain.js';
import type { OperationsService, Result } from './service.js';

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

/** The value of a command, or its refusal as a problem: 400 naming the field, 404, or 409 after lost races. */
function valueOf<T>(r: Result<T>, notFound: string): T {
  if (r.ok) return r.value;
  const refusal = r.refusal;
  switch (refusal.type) {
    case 'invalid':
      throw new ProblemError({ ...problem(400, 'Bad Request', refusal.message), extraDetails: [{ name: refusal.field, reason: refusal.message }] });
    case 'notFound':
      throw new ProblemError(problem(404, 'Not Found', `${notFound} ${refusal.id}.`));
    case 'conflict':
      throw new ProblemError(problem(409, 'Conflict', refusal.message));
  }
}

/**
 * Control API for operations: faults (each opens an incident on the status page and resolves it
 * when cleared) and scheduled maintenance windows. Thin: the service decides, this maps its
 * refusals to RFC 7807 problems.
 */
export const operationsControl = (ops: OperationsService): FastifyPluginAsyncTypebox => async (app) => {
  const faultView = (f: Fault) => ({ ...f, description: ops.describeFault(f), active: f.clearedAt === null });
  const maintenanceView = (m: Maintenance) => ({ ...m, status: ops.maintenanceStatus(m) });
  const page = () => ops.view();
  // The views type their components loosely (a record plus the fields they read); the objects are
  // complete statuspage.io components, as the schemas say (the test emulator checks each serialization).
  const incidentView = (i: Parameters<ReturnType<typeof page>['incidentView']>[0]) => page().incidentView(i) as unknown as Static<typeof IncidentSchema>;
  const scheduledView = (m: Maintenance) => page().maintenanceView(m) as unknown as Static<typeof ScheduledMaintenance>;

  app.get('/faults', { schema: { summary: 'Active faults', response: { 200: FaultList } } }, async () => ({ faults: ops.activeFaults().map(faultView) }));

  app.post('/faults', { schema: { summary: 'Inject a fault (opens an incident)', body: FaultBody, response: { 201: FaultCreated } } }, async (request, reply) => {
    const { fault, incident } = valueOf(await ops.addFault(request.body), 'No active fault');
    return reply.code(201).send({ fault: faultView(fault), incident: incidentView(incident) });
  });

  app.get('/faults/:id', { schema: { summary: 'A fault', params: IdParams, response: { 200: FaultView } } }, async (request) => {
    const fault = ops.fault(request.params.id);
    if (!fault) throw new ProblemError(problem(404, 'Not Found', `No fault ${request.params.id}.`));
    return faultView(fault);
  });

  app.delete('/faults/:id', { schema: { summary: 'Clear a fault (resolves its incident)', params: IdParams, response: { 200: FaultCleared } } }, async (request) => {
    const r = valueOf(await ops.clearFault(request.params.id), 'No active fault');
    return { fault: faultView(r.fault), incident: r.incident ? incidentView(r.incident) : null };
  });

  app.delete('/faults', { schema: { summary: 'Clear every fault', response: { 200: FaultsCleared } } }, async () => {
    const cleared = valueOf(await ops.clearAll(), 'No active fault');
    return { cleared: cleared.map(faultView) };
  });

  app.get('/maintenances', { schema: { summary: 'Maintenance windows', response: { 200: MaintenanceList } } }, async () => ({ maintenances: ops.maintenances().map(maintenanceView) }));

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
    const added = await ops.addMaintenance({
      ...(b.name ? { name: b.name } : {}),
      ...(b.description ? { description: b.description } : {}),
      ...(b.environment ? { environment: b.environment } : {}),
      ...(b.apis ? { apis: b.apis } : {}),
      ...(b.startsAt ? { startsAt: b.startsAt } : {}),
      ...(b.startsIn ? { startsIn: duration('startsIn', b.startsIn) } : {}),
      durationMs: duration('duration', b.duration),
      ...(b.unavailable !== undefined ? { unavailable: b.unavailable } : {}),
    });
    const m = valueOf(added, 'No maintenance');
    return reply.code(201).send({ maintenance: maintenanceView(m), scheduled_maintenance: scheduledView(m) });
  });

  app.delete('/maintenances/:id', { schema: { summary: 'End (or delete a future) maintenance window', params: IdParams, response: { 200: MaintenanceEnded } } }, async (request) => {
    const r = valueOf(await ops.endMaintenance(request.params.id), 'No maintenance');
    return { maintenance: maintenanceView(r.maintenance), deleted: r.deleted };
  });
};
