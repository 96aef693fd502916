/**
 * The pure operations domain under random sequences of adding and clearing faults, adding and
 * ending maintenance windows, and clock jumps: every fault has exactly one incident, resolved iff
 * the fault is cleared; a component's status is the worst of its active causes; no window is in
 * progress outside its window; environments are down exactly while an environment fault holds them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPONENT_STATUSES,
  EMPTY_STATE,
  componentId,
  componentStatuses,
  decide,
  faultStatus,
  type Command,
  type ComponentStatus,
  type Context,
  type NewFault,
  type OperationsState,
  type StatusComponent,
} from '../../../src/apis/status/domain.js';
import { StatusPageView } from '../../../src/apis/status/views.js';
import { ENVIRONMENT_NAMES, type EnvironmentName } from '../../../src/environments/request-servers.js';

const components: StatusComponent[] = [
  { key: 'accesstoken', name: 'Access Token API', description: '', prefixes: ['/accesstoken/'] },
  { key: 'epayment', name: 'ePayment API', description: '', prefixes: ['/epayment/'] },
  { key: 'webhooks', name: 'Webhooks API and callbacks', description: '', prefixes: ['/webhooks/'] },
  { key: 'ecom', name: 'eCom API', description: '', prefixes: ['/ecomm/', '/Ecomm/'] },
];
const apis = components.map((c) => c.key);
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

type Step =
  | { kind: 'command'; command: Command }
  | { kind: 'clearExisting'; index: number }
  | { kind: 'endExisting'; index: number }
  | { kind: 'jump'; ms: number };

const api = fc.constantFrom(...apis, 'nope');
const newFault: fc.Arbitrary<NewFault> = fc.oneof(
  fc.record({ type: fc.constant('latency' as const), api, latencyMs: fc.integer({ min: 0, max: 200_000 }) }),
  fc.record({ type: fc.constant('errors' as const), api, rate: fc.double({ min: 0, max: 1.5, noNaN: true }), status: fc.constantFrom(500, 502, 503, 429, 200) }),
  fc.record({ type: fc.constant('errors' as const), endpoint: fc.constantFrom('POST /epayment/v1/payments/:reference/capture', 'GET /ecomm/v2/payments/*', '/devkit/v1/clock', 'no path'), rate: fc.constantFrom(0.1, 0.5, 1) }),
  fc.record({ type: fc.constant('outage' as const), api, mode: fc.constantFrom('reset', '503', 'slow') }),
  fc.record({ type: fc.constant('callbacks' as const), mode: fc.constantFrom('slow', 'fail'), latencyMs: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ type: fc.constant('environment' as const), environment: fc.constantFrom('prod', 'mt', 'dr', 'xx') }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: newFault.map((input) => ({ kind: 'command' as const, command: { type: 'addFault' as const, input } })) },
  { weight: 3, arbitrary: fc.nat(20).map((index) => ({ kind: 'clearExisting' as const, index })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'command' as const, command: { type: 'clearFault' as const, id: 'nosuchfault0' } }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'command' as const, command: { type: 'clearAllFaults' as const } }) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        apis: fc.option(fc.subarray([...apis, 'nope'], { minLength: 0 }), { nil: undefined }),
        environment: fc.option(fc.constantFrom('prod', 'dr', 'mt'), { nil: undefined }),
        startsIn: fc.integer({ min: 0, max: 3 * HOUR }),
        durationMs: fc.integer({ min: -1, max: 3 * HOUR }),
        unavailable: fc.boolean(),
      })
      .map((m) => ({
        kind: 'command' as const,
        command: {
          type: 'addMaintenance' as const,
          input: { startsIn: m.startsIn, durationMs: m.durationMs, unavailable: m.unavailable, ...(m.apis ? { apis: m.apis } : {}), ...(m.environment ? { environment: m.environment } : {}) },
        },
      })),
  },
  { weight: 2, arbitrary: fc.nat(20).map((index) => ({ kind: 'endExisting' as const, index })) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 * HOUR }).map((ms) => ({ kind: 'jump' as const, ms })) },
);

const rank = (s: ComponentStatus) => COMPONENT_STATUSES.indexOf(s);

/** The status a component should have, worked out cause by cause (independently of componentStatuses). */
function expectedStatus(state: OperationsState, down: ReadonlySet<EnvironmentName>, env: EnvironmentName, key: string, now: number): ComponentStatus {
  const causes: ComponentStatus[] = ['operational'];
  for (const f of state.faults) {
    if (f.clearedAt !== null) continue;
    if (f.environment === env && (f.type === 'environment' || f.api === key)) causes.push(faultStatus(f));
  }
  for (const m of state.maintenances) {
    if (m.environment === env && m.apis.includes(key) && Date.parse(m.scheduledFor) <= now && now < Date.parse(m.scheduledUntil)) causes.push('under_maintenance');
  }
  if (down.has(env)) causes.push('major_outage');
  return causes.reduce((a, b) => (rank(b) > rank(a) ? b : a));
}

describe('operations domain properties', () => {
  it('keeps its invariants under any sequence of faults, maintenance windows and clock jumps', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let state: OperationsState = EMPTY_STATE;
        let now = T0;
        let down = new Set<EnvironmentName>();
        let seq = 0;
        const ctx = (): Context => ({ components, home: 'mt', now: new Date(now), down, newId: () => `id${String((seq += 1)).padStart(10, '0')}` });

        for (const s of steps) {
          if (s.kind === 'jump') {
            now += s.ms;
          } else {
            let command: Command;
            if (s.kind === 'clearExisting') {
              if (state.faults.length === 0) continue;
              command = { type: 'clearFault', id: state.faults[s.index % state.faults.length]!.id };
            } else if (s.kind === 'endExisting') {
              if (state.maintenances.length === 0) continue;
              command = { type: 'endMaintenance', id: state.maintenances[s.index % state.maintenances.length]!.id };
            } else {
              command = s.command;
            }
            const before = state;
            const o = decide(state, command, ctx());
            if (!o.ok) {
              // A refusal changes nothing; only a cleared (or unknown) fault is "not found".
              if (o.refusal.type === 'notFound' && o.refusal.what === 'fault') {
                expect(state.faults.some((f) => f.id === (command as { id: string }).id && f.clearedAt === null)).toBe(false);
              }
              continue;
            }
            state = o.state;
            down = new Set(down);
            for (const e of o.effects) if (e.type === 'environmentDown') e.down ? down.add(e.environment) : down.delete(e.environment);
            // Nothing is lost: faults and incidents only grow, in order.
            expect(state.faults.length).toBeGreaterThanOrEqual(before.faults.length);
            expect(state.incidents.map((i) => i.id).slice(0, before.incidents.length)).toEqual(before.incidents.map((i) => i.id));
            for (const e of o.effects) {
              if (e.type === 'faultAdded') {
                // The incident's first update tells how the components changed: the new status is the one they have now.
                const statuses = componentStatuses(state, components, down, now);
                for (const a of e.incident.updates[0]!.affected) expect(a.new_status).toBe(statuses.get(a.code));
                expect(e.incident.updates.map((u) => u.status)).toEqual(['investigating']);
              }
              if (e.type === 'faultCleared') expect(e.incident?.updates.at(-1)?.status).toBe('resolved');
              if (e.type === 'maintenanceEnded') expect(Date.parse(e.maintenance.scheduledUntil)).toBe(now);
              if (e.type === 'maintenanceDeleted') expect(Date.parse(e.maintenance.scheduledFor)).toBeGreaterThan(now);
            }
          }

          // Each fault has exactly one incident, resolved iff the fault is cleared; no incident without its fault.
          for (const f of state.faults) {
            const incidents = state.incidents.filter((i) => i.faultId === f.id);
            expect(incidents).toHaveLength(1);
            expect(incidents[0]!.id).toBe(f.incidentId);
            expect(incidents[0]!.resolvedAt !== null).toBe(f.clearedAt !== null);
            if (f.clearedAt !== null) expect(incidents[0]!.resolvedAt).toBe(f.clearedAt);
          }
          expect(state.incidents.every((i) => state.faults.some((f) => f.id === i.faultId))).toBe(true);
          expect(new Set(state.faults.map((f) => f.id)).size).toBe(state.faults.length);

          // An environment is down exactly while an active environment fault holds it; DR never is.
          for (const env of ENVIRONMENT_NAMES) {
            expect(down.has(env)).toBe(state.faults.some((f) => f.clearedAt === null && f.type === 'environment' && f.environment === env));
          }
          expect(down.has('dr')).toBe(false);

          // Component status = the worst of its active causes.
          const statuses = componentStatuses(state, components, down, now);
          for (const env of ENVIRONMENT_NAMES) {
            for (const key of apis) expect(statuses.get(componentId(env, key)), `${env}/${key}`).toBe(expectedStatus(state, down, env, key, now));
          }

          // Nothing is in progress outside its window, on the page or in the lists.
          const view = new StatusPageView({ state, components, home: 'mt', down, createdAt: new Date(T0).toISOString(), now: new Date(now), publicUrl: 'http://127.0.0.1:1' });
          const active = view.maintenanceList('active');
          for (const m of active) {
            expect(m.status).toBe('in_progress');
            expect(Date.parse(m.scheduled_for)).toBeLessThanOrEqual(now);
            expect(Date.parse(m.scheduled_until)).toBeGreaterThan(now);
          }
          const running = state.maintenances.filter((m) => Date.parse(m.scheduledFor) <= now && now < Date.parse(m.scheduledUntil));
          expect(active.map((m) => m.id).sort()).toEqual(running.map((m) => m.id).sort().slice(0, 50));
          for (const m of view.maintenanceList('upcoming')) expect(Date.parse(m.scheduled_for)).toBeGreaterThan(now);
          // The page's components agree with the domain.
          for (const c of view.components()) if (!c.group) expect(c.status).toBe(statuses.get(c.id));
          const unresolved = view.incidentList({ unresolved: true });
          expect(unresolved.map((i) => i.id).sort()).toEqual(
            state.incidents
              .filter((i) => i.resolvedAt === null)
              .map((i) => i.id)
              .sort()
              .slice(0, 50),
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
