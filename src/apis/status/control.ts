import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { parseDuration } from '../../platform/clock.js';
import { ProblemError, problem } from '../../platform/problems.js';
import type { Fault, Maintenance } from './domain.js';
import type { OperationsService, Result } from './service.js';

const Num = (o: object = {}) => Type.Optional(Type.Number(o));
const FaultBody = Type.Object(
  {
    type: Type.Union([Type.Literal('latency'), Type.Literal('errors'), Type.Literal('outage'), Type.Literal('callbacks'), Type.Literal('environment')]),
    api: Type.Optional(Type.String({ maxLength: 40 })),
    endpoint: Type.Optional(Type.String({ maxLength: 300 })),
    latencyMs: Num({ minimum: 0 }),
    distribution: Type.Optional(Type.Union([Type.Literal('fixed'), Type.Literal('uniform'), Type.Literal('normal')])),
    min: Num({ minimum: 0 }),
    max: Num({ minimum: 0 }),
    mean: Num({ minimum: 0 }),
    stddev: Num({ minimum: 0 }),
    rate: Num({ exclusiveMinimum: 0, maximum: 1 }),
    status: Type.Optional(Type.Integer({ minimum: 400, maximum: 599 })),
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    mode: Type.Optional(Type.Union([Type.Literal('reset'), Type.Literal('503'), Type.Literal('slow'), Type.Literal('fail')])),
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

  app.get('/faults', async () => ({ faults: ops.activeFaults().map(faultView) }));

  app.post('/faults', { schema: { body: FaultBody } }, async (request, reply) => {
    const { fault, incident } = valueOf(await ops.addFault(request.body), 'No active fault');
    return reply.code(201).send({ fault: faultView(fault), incident: page().incidentView(incident) });
  });

  app.get('/faults/:id', { schema: { params: IdParams } }, async (request) => {
    const fault = ops.fault(request.params.id);
    if (!fault) throw new ProblemError(problem(404, 'Not Found', `No fault ${request.params.id}.`));
    return faultView(fault);
  });

  app.delete('/faults/:id', { schema: { params: IdParams } }, async (request) => {
    const r = valueOf(await ops.clearFault(request.params.id), 'No active fault');
    return { fault: faultView(r.fault), incident: r.incident ? page().incidentView(r.incident) : null };
  });

  app.delete('/faults', async () => {
    const cleared = valueOf(await ops.clearAll(), 'No active fault');
    return { cleared: cleared.map(faultView) };
  });

  app.get('/maintenances', async () => ({ maintenances: ops.maintenances().map(maintenanceView) }));

  app.post('/maintenances', { schema: { body: MaintenanceBody } }, async (request, reply) => {
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
    return reply.code(201).send({ maintenance: maintenanceView(m), scheduled_maintenance: page().maintenanceView(m) });
  });

  app.delete('/maintenances/:id', { schema: { params: IdParams } }, async (request) => {
    const r = valueOf(await ops.endMaintenance(request.params.id), 'No maintenance');
    return { maintenance: maintenanceView(r.maintenance), deleted: r.deleted };
  });
};
