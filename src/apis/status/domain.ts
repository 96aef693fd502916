/**
 * Operations as a pure state machine: injected faults, the incidents they open, and scheduled
 * maintenance windows. State + command → new state + effects, or a typed refusal. No I/O, no
 * clock reads and no randomness of its own: the instant, new ids, which environments are down
 * and the random source come in through the context. Component statuses and maintenance states
 * are derived from the state and the instant, never scheduled (decision 67).
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { ENVIRONMENT_NAMES, ENVIRONMENT_TITLES, type EnvironmentName } from '../../environments/request-servers.js';
import type { RequestDecision } from '../module.js';

/** An API as a status-page component (from the module registry): its key, name and the paths it owns. */
export interface StatusComponent {
  key: string;
  name: string;
  description: string;
  prefixes: readonly string[];
}
/** A component's key (an API module's name). */
export type ApiKey = string;

export const COMPONENT_STATUSES = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export const INDICATORS = ['none', 'minor', 'major', 'critical'] as const;
export type Indicator = (typeof INDICATORS)[number];
export const worse = (a: ComponentStatus, b: ComponentStatus): ComponentStatus => (COMPONENT_STATUSES.indexOf(a) >= COMPONENT_STATUSES.indexOf(b) ? a : b);
export const worseIndicator = (a: Indicator, b: Indicator): Indicator => (INDICATORS.indexOf(a) >= INDICATORS.indexOf(b) ? a : b);
export const IMPACT_OF: Record<ComponentStatus, Indicator> = { operational: 'none', under_maintenance: 'minor', degraded_performance: 'minor', partial_outage: 'major', major_outage: 'critical' };

export type LatencySpec =
  | { distribution: 'fixed'; ms: number }
  | { distribution: 'uniform'; min: number; max: number }
  | { distribution: 'normal'; mean: number; stddev: number };

export type FaultType = 'latency' | 'errors' | 'outage' | 'callbacks' | 'environment';

export interface Fault {
  id: string;
  type: FaultType;
  /** The environment whose components the fault affects (API faults: the one the emulator plays). */
  environment: EnvironmentName;
  api?: ApiKey;
  /** `"POST /epayment/v1/payments/:reference/capture"` or a path (`:param` and `*` match a segment / anything). */
  endpoint?: string;
  latency?: LatencySpec;
  /** Share of requests (errors) or attempts (failing callbacks) that fail, 0..1. */
  rate?: number;
  /** HTTP status of injected errors and of `outage` in mode 503. */
  status?: number;
  message?: string;
  /** outage: `reset` (connection reset) or `503`; callbacks: `slow` or `fail`. */
  mode?: 'reset' | '503' | 'slow' | 'fail';
  title?: string;
  createdAt: string;
  clearedAt: string | null;
  incidentId: string;
}

/** A fault as given over the control API, before it is checked. */
export interface NewFault {
  type: FaultType;
  api?: string;
  endpoint?: string;
  latencyMs?: number;
  distribution?: 'fixed' | 'uniform' | 'normal';
  min?: number;
  max?: number;
  mean?: number;
  stddev?: number;
  rate?: number;
  status?: number;
  message?: string;
  mode?: string;
  environment?: string;
  title?: string;
}

export interface AffectedComponent {
  code: string;
  name: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

export interface IncidentUpdate {
  id: string;
  status: IncidentStatus;
  body: string;
  createdAt: string;
  affected: AffectedComponent[];
}

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved' | 'postmortem';
export type MaintenanceStatus = 'scheduled' | 'in_progress' | 'verifying' | 'completed';

export interface Incident {
  id: string;
  name: string;
  impact: Indicator;
  componentIds: string[];
  createdAt: string;
  updatedAt: string;
  startedAt: string;
  monitoringAt: string | null;
  resolvedAt: string | null;
  faultId: string | null;
  updates: IncidentUpdate[];
}

export interface Maintenance {
  id: string;
  name: string;
  description: string;
  environment: EnvironmentName;
  apis: ApiKey[];
  componentIds: string[];
  scheduledFor: string;
  scheduledUntil: string;
  createdAt: string;
  /** While in progress, requests to its APIs answer 503 (in the API's own error shape). */
  unavailable: boolean;
}

export interface NewMaintenance {
  name?: string;
  description?: string;
  environment?: string;
  apis?: string[];
  /** ISO-8601 start; or `startsIn` (a duration from now); default now. */
  startsAt?: string;
  startsIn?: number;
  durationMs: number;
  unavailable?: boolean;
}

/** Faults, incidents and maintenance windows, oldest first. */
export interface OperationsState {
  readonly faults: readonly Fault[];
  readonly incidents: readonly Incident[];
  readonly maintenances: readonly Maintenance[];
}

export const EMPTY_STATE: OperationsState = { faults: [], incidents: [], maintenances: [] };

/** What does not change between commands: the faultable APIs and the environment the emulator plays. */
export interface Setting {
  /** Every faultable API, in status-page order (the module registry). */
  components: readonly StatusComponent[];
  home: EnvironmentName;
}

/** What a command needs besides the state. */
export interface Context extends Setting {
  now: Date;
  /** A new statuspage.io-style id (12 lowercase alphanumerics). */
  newId: () => string;
  /** Environments the request-server directory has down (by an environment fault, or by hand). */
  down: ReadonlySet<EnvironmentName>;
}

export type Command =
  | { type: 'addFault'; input: NewFault }
  | { type: 'clearFault'; id: string }
  | { type: 'clearAllFaults' }
  | { type: 'addMaintenance'; input: NewMaintenance }
  | { type: 'endMaintenance'; id: string };

/** What the shell must write (and do) for a decided command. */
export type Effect =
  | { type: 'faultAdded'; fault: Fault; incident: Incident }
  | { type: 'faultCleared'; fault: Fault; incident: Incident | undefined }
  | { type: 'maintenanceAdded'; maintenance: Maintenance }
  /** A window that had not started was cancelled. */
  | { type: 'maintenanceDeleted'; maintenance: Maintenance }
  /** A running window was ended now; `previousUntil` is the end it had (the store's optimistic check). */
  | { type: 'maintenanceEnded'; maintenance: Maintenance; previousUntil: string }
  /** The request-server directory must mark the environment down (deliveries fail over to DR) or up. */
  | { type: 'environmentDown'; environment: EnvironmentName; down: boolean };

export type Refusal = { type: 'invalid'; field: string; message: string } | { type: 'notFound'; what: 'fault' | 'maintenance'; id: string };

export type Outcome = { ok: true; state: OperationsState; effects: Effect[] } | { ok: false; refusal: Refusal };

const MAX_LATENCY_MS = 120_000;
/** Below the dispatcher's 60 s lease. */
export const MAX_CALLBACK_DELAY_MS = 50_000;

// ---------------------------------------------------------------- ids and components

const stableId = (seed: string) => BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 16)}`).toString(36).padStart(12, '0').slice(-12);
export const componentId = (environment: EnvironmentName, api: ApiKey) => stableId(`vipps-devkit/${environment}/${api}`);
export const groupId = (environment: EnvironmentName) => stableId(`vipps-devkit/${environment}`);
export const PAGE_ID = stableId('vipps-devkit/page');

/** Which API a request path belongs to; undefined for the control API, status pages and anything else (never faulted). */
export function apiOfPath(components: readonly StatusComponent[], path: string): ApiKey | undefined {
  if (path.startsWith('/devkit/')) return undefined;
  for (const api of components) {
    if (api.prefixes.some((p: string) => (p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`)))) return api.key;
  }
  return undefined;
}

export function componentName(components: readonly StatusComponent[], id: string): string {
  for (const env of ENVIRONMENT_NAMES) for (const api of components) if (componentId(env, api.key) === id) return `${api.name} (${env.toUpperCase()})`;
  return id;
}

/** The components a fault affects. */
export function componentsOf(components: readonly StatusComponent[], f: Fault): string[] {
  if (f.type === 'environment') return components.map((a) => componentId(f.environment, a.key));
  return [componentId(f.environment, f.api!)];
}

/** How bad a fault makes its components look. */
export function faultStatus(f: Fault): ComponentStatus {
  switch (f.type) {
    case 'latency':
      return 'degraded_performance';
    case 'errors':
      return (f.rate ?? 1) < 0.25 ? 'degraded_performance' : f.endpoint || (f.rate ?? 1) < 1 ? 'partial_outage' : 'major_outage';
    case 'outage':
      return f.endpoint ? 'partial_outage' : 'major_outage';
    case 'callbacks':
      return f.mode === 'slow' ? 'degraded_performance' : 'partial_outage';
    case 'environment':
      return 'major_outage';
  }
}

export const activeFaults = (state: OperationsState): Fault[] => state.faults.filter((f) => f.clearedAt === null);

export function maintenanceStatus(m: Maintenance, now: number): MaintenanceStatus {
  if (now < Date.parse(m.scheduledFor)) return 'scheduled';
  if (now < Date.parse(m.scheduledUntil)) return 'in_progress';
  return 'completed';
}

/** Current status of every (child) component, by id: the worst of its active causes. */
export function componentStatuses(state: OperationsState, components: readonly StatusComponent[], down: ReadonlySet<EnvironmentName>, now: number): Map<string, ComponentStatus> {
  const out = new Map<string, ComponentStatus>();
  for (const env of ENVIRONMENT_NAMES) for (const api of components) out.set(componentId(env, api.key), 'operational');
  const raise = (id: string, s: ComponentStatus) => out.set(id, worse(out.get(id) ?? 'operational', s));
  for (const m of state.maintenances) if (maintenanceStatus(m, now) === 'in_progress') m.componentIds.forEach((id) => raise(id, 'under_maintenance'));
  for (const f of activeFaults(state)) componentsOf(components, f).forEach((id) => raise(id, faultStatus(f)));
  for (const env of ENVIRONMENT_NAMES) if (down.has(env)) components.forEach((a) => raise(componentId(env, a.key), 'major_outage'));
  return out;
}

// ---------------------------------------------------------------- words

export function incidentName(components: readonly StatusComponent[], f: Fault): string {
  const env = f.environment.toUpperCase();
  const api = components.find((a) => a.key === f.api)?.name ?? '';
  const where = f.endpoint ? `${api} (${f.endpoint})` : api;
  switch (f.type) {
    case 'latency':
      return `Increased response times on ${where} in ${env}`;
    case 'errors':
      return `Elevated error rates on ${where} in ${env}`;
    case 'outage':
      return `${where} unavailable in ${env}`;
    case 'callbacks':
      return f.mode === 'slow' ? `Delayed callbacks and webhooks in ${env}` : `Callbacks and webhooks failing in ${env}`;
    case 'environment':
      return `${ENVIRONMENT_TITLES[f.environment]} environment outage: callbacks are sent from DR`;
  }
}

export function describeFault(components: readonly StatusComponent[], f: Fault): string {
  const l = f.latency;
  const latency = !l ? '' : l.distribution === 'fixed' ? `${l.ms} ms` : l.distribution === 'uniform' ? `${l.min}–${l.max} ms` : `~${l.mean} ± ${l.stddev} ms`;
  const api = components.find((a) => a.key === f.api)?.name;
  const where = f.endpoint ? `${f.endpoint} (${api})` : api;
  switch (f.type) {
    case 'latency':
      return `added latency of ${latency} on ${where}`;
    case 'errors':
      return `${Math.round((f.rate ?? 1) * 1000) / 10}% of requests to ${where} failing with HTTP ${f.status}`;
    case 'outage':
      return `an outage of ${where} (${f.mode === 'reset' ? 'connections reset' : 'HTTP 503'})`;
    case 'callbacks':
      return f.mode === 'slow' ? `callbacks and webhooks delayed by ${latency}` : `${Math.round((f.rate ?? 1) * 1000) / 10}% of callback and webhook attempts failing`;
    case 'environment':
      return `an outage of the ${ENVIRONMENT_TITLES[f.environment]} environment; deliveries fail over to DR`;
  }
}

// ---------------------------------------------------------------- checking input

/** Thrown inside the checks below and turned into a refusal by `decide`; never escapes this file. */
class Invalid extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** `"POST /a/:b/*"` → method and a regular expression over the request path, or undefined when it is no endpoint pattern. */
export function parseEndpoint(components: readonly StatusComponent[], endpoint: string): { method?: string; path: RegExp; api: ApiKey | undefined } | undefined {
  const m = /^(?:([A-Za-z]+)\s+)?(\/\S*)$/.exec(endpoint.trim());
  if (!m) return undefined;
  const pattern = m[2]!
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')))
    .join('/');
  return { ...(m[1] ? { method: m[1].toUpperCase() } : {}), path: new RegExp(`^${pattern}/?$`), api: apiOfPath(components, m[2]!.replace(/:[^/]+/g, 'x')) };
}

type FaultSpec = Omit<Fault, 'id' | 'createdAt' | 'clearedAt' | 'incidentId'>;

/** Checks and normalises a fault as given over the control API. */
export function normaliseFault(input: NewFault, setting: Setting): FaultSpec {
  const bad = (field: string, message: string) => new Invalid(field, message);
  const apiKeys = setting.components.map((c) => c.key);
  const home = setting.home;
  const type = input.type;
  const common = { ...(input.title ? { title: input.title } : {}), ...(input.message ? { message: input.message } : {}) };
  if (type === 'environment') {
    const environment = input.environment ?? home;
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) throw bad('environment', `environment must be one of ${ENVIRONMENT_NAMES.join(', ')}`);
    if (environment === 'dr') throw bad('environment', 'DR is where an environment fails over to; take prod or mt down instead');
    return { type, environment: environment as EnvironmentName, ...common };
  }
  const latency = (): LatencySpec | undefined => {
    const d = input.distribution ?? (input.latencyMs !== undefined ? 'fixed' : undefined);
    const check = (field: string, v: number | undefined) => {
      if (v === undefined || !Number.isFinite(v) || v < 0 || v > MAX_LATENCY_MS) throw bad(field, `${field} must be a number of milliseconds from 0 to ${MAX_LATENCY_MS}`);
      return v;
    };
    if (d === undefined) return undefined;
    if (d === 'fixed') return { distribution: 'fixed', ms: check('latencyMs', input.latencyMs) };
    if (d === 'uniform') {
      const min = check('min', input.min);
      const max = check('max', input.max);
      if (max < min) throw bad('max', 'max must not be below min');
      return { distribution: 'uniform', min, max };
    }
    if (d === 'normal') return { distribution: 'normal', mean: check('mean', input.mean), stddev: check('stddev', input.stddev) };
    throw bad('distribution', 'distribution must be fixed, uniform or normal');
  };
  const rate = () => {
    const r = input.rate ?? 1;
    if (!Number.isFinite(r) || r <= 0 || r > 1) throw bad('rate', 'rate must be above 0 and at most 1 (0.5 = half of the requests)');
    return r;
  };
  if (type === 'callbacks') {
    const mode = input.mode ?? (input.latencyMs !== undefined || input.distribution ? 'slow' : 'fail');
    if (mode === 'slow') {
      const l = latency();
      if (!l) throw bad('latencyMs', 'slow callbacks need latencyMs (or a distribution)');
      return { type, environment: home, api: 'webhooks', mode, latency: l, ...common };
    }
    if (mode === 'fail') return { type, environment: home, api: 'webhooks', mode, rate: rate(), ...common };
    throw bad('mode', 'callbacks mode must be slow or fail');
  }
  let api = input.api;
  let endpoint: string | undefined;
  if (input.endpoint !== undefined) {
    const parsed = parseEndpoint(setting.components, input.endpoint);
    if (!parsed) throw bad('endpoint', 'endpoint must be a path, optionally after a method: "POST /epayment/v1/payments/:reference/capture"');
    if (!parsed.api) throw bad('endpoint', `${input.endpoint} is not an endpoint of a faultable API (${apiKeys.join(', ')})`);
    if (api !== undefined && api !== parsed.api) throw bad('endpoint', `${input.endpoint} does not belong to the ${api} API`);
    api = parsed.api;
    endpoint = input.endpoint.trim();
  }
  if (api === undefined) throw bad('api', `api is required: one of ${apiKeys.join(', ')}`);
  if (!apiKeys.includes(api)) throw bad('api', `unknown api "${api}": one of ${apiKeys.join(', ')}`);
  const scope = { environment: home, api, ...(endpoint ? { endpoint } : {}), ...common };
  if (type === 'latency') {
    const l = latency();
    if (!l) throw bad('latencyMs', 'a latency fault needs latencyMs (or a distribution with its parameters)');
    return { type, ...scope, latency: l };
  }
  if (type === 'errors') {
    const status = input.status ?? 500;
    if (!Number.isInteger(status) || status < 400 || status > 599) throw bad('status', 'status must be an HTTP error status (400-599)');
    return { type, ...scope, rate: rate(), status };
  }
  if (type === 'outage') {
    const mode = input.mode ?? 'reset';
    if (mode !== 'reset' && mode !== '503') throw bad('mode', 'outage mode must be reset (connection reset) or 503');
    return { type, ...scope, mode, status: 503 };
  }
  throw bad('type', 'type must be latency, errors, outage, callbacks or environment');
}

// ---------------------------------------------------------------- commands

const affected = (components: readonly StatusComponent[], ids: string[], before: Map<string, ComponentStatus>, after: Map<string, ComponentStatus>): AffectedComponent[] =>
  ids.map((id) => ({ code: id, name: componentName(components, id), old_status: before.get(id) ?? 'operational', new_status: after.get(id) ?? 'operational' }));

export function decide(state: OperationsState, command: Command, ctx: Context): Outcome {
  try {
    switch (command.type) {
      case 'addFault':
        return addFault(state, command.input, ctx);
      case 'clearFault': {
        const r = clearFault(state, command.id, ctx);
        return r ?? { ok: false, refusal: { type: 'notFound', what: 'fault', id: command.id } };
      }
      case 'clearAllFaults': {
        let current: { state: OperationsState; down: Set<EnvironmentName> } = { state, down: new Set(ctx.down) };
        const effects: Effect[] = [];
        for (const f of activeFaults(state)) {
          const r = clearFault(current.state, f.id, { ...ctx, down: current.down });
          if (!r) continue;
          effects.push(...r.effects);
          for (const e of r.effects) if (e.type === 'environmentDown') e.down ? current.down.add(e.environment) : current.down.delete(e.environment);
          current = { state: r.state, down: current.down };
        }
        return { ok: true, state: current.state, effects };
      }
      case 'addMaintenance':
        return addMaintenance(state, command.input, ctx);
      case 'endMaintenance':
        return endMaintenance(state, command.id, ctx);
    }
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, refusal: { type: 'invalid', field: err.field, message: err.message } };
    throw err;
  }
}

function addFault(state: OperationsState, input: NewFault, ctx: Context): Outcome & { ok: true } {
  const spec = normaliseFault(input, ctx);
  const now = ctx.now.toISOString();
  const at = ctx.now.getTime();
  const fault: Fault = { ...spec, id: ctx.newId(), createdAt: now, clearedAt: null, incidentId: ctx.newId() };
  const before = componentStatuses(state, ctx.components, ctx.down, at);
  const next: OperationsState = { ...state, faults: [...state.faults, fault] };
  const effects: Effect[] = [];
  let down = ctx.down;
  if (fault.type === 'environment') {
    down = new Set([...ctx.down, fault.environment]);
    effects.push({ type: 'environmentDown', environment: fault.environment, down: true });
  }
  const after = componentStatuses(next, ctx.components, down, at);
  const ids = componentsOf(ctx.components, fault);
  const incident: Incident = {
    id: fault.incidentId,
    name: fault.title ?? incidentName(ctx.components, fault),
    impact: IMPACT_OF[faultStatus(fault)],
    componentIds: ids,
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    monitoringAt: null,
    resolvedAt: null,
    faultId: fault.id,
    updates: [
      {
        id: ctx.newId(),
        status: 'investigating',
        body: `We are investigating ${describeFault(ctx.components, fault)}. (Injected with the devkit fault ${fault.id}.)`,
        createdAt: now,
        affected: affected(ctx.components, ids, before, after),
      },
    ],
  };
  effects.unshift({ type: 'faultAdded', fault, incident });
  return { ok: true, state: { ...next, incidents: [...state.incidents, incident] }, effects };
}

/** Clears an active fault and resolves its incident; undefined when there is no such active fault. */
function clearFault(state: OperationsState, id: string, ctx: Context): (Outcome & { ok: true }) | undefined {
  const old = state.faults.find((f) => f.id === id && f.clearedAt === null);
  if (!old) return undefined;
  const now = ctx.now.toISOString();
  const at = ctx.now.getTime();
  const before = componentStatuses(state, ctx.components, ctx.down, at);
  const fault: Fault = { ...old, clearedAt: now };
  let next: OperationsState = { ...state, faults: state.faults.map((f) => (f === old ? fault : f)) };
  const effects: Effect[] = [];
  let down = ctx.down;
  // The environment comes back unless another environment fault still holds it down.
  if (fault.type === 'environment' && !activeFaults(next).some((f) => f.type === 'environment' && f.environment === fault.environment)) {
    down = new Set([...ctx.down].filter((e) => e !== fault.environment));
    effects.push({ type: 'environmentDown', environment: fault.environment, down: false });
  }
  const after = componentStatuses(next, ctx.components, down, at);
  const open = state.incidents.find((i) => i.id === fault.incidentId);
  let incident = open;
  if (open && open.resolvedAt === null) {
    incident = {
      ...open,
      resolvedAt: now,
      updatedAt: now,
      updates: [
        ...open.updates,
        {
          id: ctx.newId(),
          status: 'resolved',
          body: `This incident has been resolved: ${describeFault(ctx.components, fault)} is over. (Devkit fault ${fault.id} cleared.)`,
          createdAt: now,
          affected: affected(ctx.components, open.componentIds, before, after),
        },
      ],
    };
    next = { ...next, incidents: state.incidents.map((i) => (i === open ? incident! : i)) };
  }
  effects.unshift({ type: 'faultCleared', fault, incident });
  return { ok: true, state: next, effects };
}

function addMaintenance(state: OperationsState, input: NewMaintenance, ctx: Context): Outcome {
  const bad = (field: string, message: string) => new Invalid(field, message);
  const apiKeys = ctx.components.map((c) => c.key);
  const now = ctx.now;
  const environment = input.environment ?? ctx.home;
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) throw bad('environment', `environment must be one of ${ENVIRONMENT_NAMES.join(', ')}`);
  const apis = input.apis ?? [...apiKeys];
  for (const a of apis) if (!apiKeys.includes(a)) throw bad('apis', `unknown api "${a}": one of ${apiKeys.join(', ')}`);
  if (apis.length === 0) throw bad('apis', 'name at least one api');
  let start = now.getTime() + (input.startsIn ?? 0);
  if (input.startsAt !== undefined) {
    start = Date.parse(input.startsAt);
    if (!Number.isFinite(start)) throw bad('startsAt', 'startsAt must be an ISO-8601 date-time');
  }
  if (!Number.isFinite(input.durationMs) || input.durationMs <= 0) throw bad('duration', 'duration must be positive');
  const env = environment as EnvironmentName;
  const names = apis.map((a) => ctx.components.find((s) => s.key === a)!.name);
  const maintenance: Maintenance = {
    id: ctx.newId(),
    name: input.name ?? `Scheduled maintenance of ${names.join(', ')} in ${env.toUpperCase()}`,
    description: input.description ?? `${names.join(', ')} ${input.unavailable ? 'will be unavailable' : 'may be briefly unavailable'} during the window.`,
    environment: env,
    apis,
    componentIds: apis.map((a) => componentId(env, a)),
    scheduledFor: new Date(start).toISOString(),
    scheduledUntil: new Date(start + input.durationMs).toISOString(),
    createdAt: now.toISOString(),
    unavailable: input.unavailable ?? false,
  };
  return { ok: true, state: { ...state, maintenances: [...state.maintenances, maintenance] }, effects: [{ type: 'maintenanceAdded', maintenance }] };
}

/** Cancels a window that has not started, ends a running one now; a completed one stays as it is. */
function endMaintenance(state: OperationsState, id: string, ctx: Context): Outcome {
  const m = state.maintenances.find((x) => x.id === id);
  if (!m) return { ok: false, refusal: { type: 'notFound', what: 'maintenance', id } };
  const status = maintenanceStatus(m, ctx.now.getTime());
  if (status === 'scheduled') {
    return { ok: true, state: { ...state, maintenances: state.maintenances.filter((x) => x !== m) }, effects: [{ type: 'maintenanceDeleted', maintenance: m }] };
  }
  if (status === 'in_progress') {
    const ended: Maintenance = { ...m, scheduledUntil: ctx.now.toISOString() };
    return {
      ok: true,
      state: { ...state, maintenances: state.maintenances.map((x) => (x === m ? ended : x)) },
      effects: [{ type: 'maintenanceEnded', maintenance: ended, previousUntil: m.scheduledUntil }],
    };
  }
  return { ok: true, state, effects: [] };
}

// ---------------------------------------------------------------- the request path and deliveries

/** An active request fault with its endpoint pattern compiled once. */
export interface CompiledFault {
  fault: Fault;
  method?: string;
  path?: RegExp;
}

/** The faults that act on requests (latency, errors, outages), ready for the hook. */
export function compileRequestFaults(state: OperationsState, components: readonly StatusComponent[]): CompiledFault[] {
  return activeFaults(state)
    .filter((f) => f.type === 'latency' || f.type === 'errors' || f.type === 'outage')
    .map((fault) => {
      const parsed = fault.endpoint ? parseEndpoint(components, fault.endpoint) : undefined;
      if (!parsed) return { fault };
      return { fault, ...(parsed.method ? { method: parsed.method } : {}), path: parsed.path };
    });
}

export function sample(spec: LatencySpec, random: () => number): number {
  switch (spec.distribution) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.min + random() * (spec.max - spec.min);
    case 'normal': {
      // Box–Muller; never negative.
      const u = 1 - random();
      const v = random();
      return Math.max(0, spec.mean + spec.stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
    }
  }
}

/** True when some fault or maintenance might touch a request: the hook's fast path. */
export function mayAffectRequests(compiled: readonly CompiledFault[], state: OperationsState, home: EnvironmentName): boolean {
  return compiled.length > 0 || state.maintenances.some((m) => m.unavailable && m.environment === home);
}

/** What to do with one request to `api`: latency to add, a failure to answer. Several latencies add up; the first failure wins. */
export function decideRequest(
  compiled: readonly CompiledFault[],
  state: OperationsState,
  request: { method: string; path: string; api: ApiKey },
  ctx: { now: number; home: EnvironmentName; random: () => number },
): RequestDecision | undefined {
  let delayMs = 0;
  let fail: RequestDecision['fail'];
  for (const c of compiled) {
    const f = c.fault;
    if (f.api !== request.api) continue;
    if (c.method && c.method !== request.method) continue;
    if (c.path && !c.path.test(request.path)) continue;
    if (f.type === 'latency') delayMs += sample(f.latency!, ctx.random);
    else if (fail) continue;
    else if (f.type === 'outage') fail = f.mode === 'reset' ? { kind: 'reset' } : { kind: 'status', status: 503, title: STATUS_CODES[503]!, detail: f.message ?? `The service is unavailable (injected outage, devkit fault ${f.id}).` };
    else if (f.type === 'errors' && ctx.random() < (f.rate ?? 1)) {
      fail = { kind: 'status', status: f.status!, title: STATUS_CODES[f.status!] ?? 'Error', detail: f.message ?? `Injected error (devkit fault ${f.id}).` };
    }
  }
  if (!fail) {
    const m = state.maintenances.find((m) => m.unavailable && m.environment === ctx.home && m.apis.includes(request.api) && maintenanceStatus(m, ctx.now) === 'in_progress');
    if (m) fail = { kind: 'status', status: 503, title: STATUS_CODES[503]!, detail: `Scheduled maintenance until ${m.scheduledUntil}: ${m.name}.` };
  }
  return delayMs > 0 || fail ? { delayMs: Math.round(delayMs), ...(fail ? { fail } : {}) } : undefined;
}

/** Slow or failing callbacks: what the dispatcher does before one delivery attempt. */
export function decideDelivery(state: OperationsState, random: () => number): { delayMs: number; fail?: string } | undefined {
  let delayMs = 0;
  let fail: string | undefined;
  for (const f of state.faults) {
    if (f.clearedAt !== null || f.type !== 'callbacks') continue;
    if (f.mode === 'slow') delayMs += sample(f.latency!, random);
    else if (!fail && random() < (f.rate ?? 1)) fail = `injected fault ${f.id}: the platform failed to deliver`;
  }
  return delayMs > 0 || fail ? { delayMs: Math.min(MAX_CALLBACK_DELAY_MS, Math.round(delayMs)), ...(fail ? { fail } : {}) } : undefined;
}
