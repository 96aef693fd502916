import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { DatabaseHandle } from '../db/open.js';
import type { Clock } from '../platform/clock.js';
import type { RequestServerDirectory } from './request-server-directory.js';
import { ENVIRONMENT_NAMES, type EnvironmentName } from './request-servers.js';

/**
 * Operations (issue 6): injected faults, the incidents they open on the status page, and
 * scheduled maintenance windows. Everything is data with timestamps from the injected clock,
 * kept in memory for the request path and written through to the database so that it survives
 * a restart. Component statuses and maintenance states are derived, never scheduled: a clock
 * jump opens or closes a maintenance window with no job to run.
 */

/** An API as a status-page component (from the module registry): its key, name and the paths it owns. */
export interface StatusComponent {
  key: string;
  name: string;
  description: string;
  prefixes: readonly string[];
}
/** A component's key (an API module's name). */
export type ApiKey = string;

export const ENVIRONMENT_TITLES: Record<EnvironmentName, string> = {
  prod: 'Production',
  dr: 'Production DR (disaster recovery)',
  mt: 'MT (merchant test)',
};

/** Which API a request path belongs to; undefined for the control API, status pages and anything else (never faulted). */
export function apiOfPath(components: readonly StatusComponent[], path: string): ApiKey | undefined {
  if (path.startsWith('/devkit/')) return undefined;
  for (const api of components) {
    if (api.prefixes.some((p: string) => (p.endsWith('/') ? path.startsWith(p) : path === p || path.startsWith(`${p}/`)))) return api.key;
  }
  return undefined;
}

export const COMPONENT_STATUSES = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export const INDICATORS = ['none', 'minor', 'major', 'critical'] as const;
export type Indicator = (typeof INDICATORS)[number];
const worse = (a: ComponentStatus, b: ComponentStatus): ComponentStatus => (COMPONENT_STATUSES.indexOf(a) >= COMPONENT_STATUSES.indexOf(b) ? a : b);
const worseIndicator = (a: Indicator, b: Indicator): Indicator => (INDICATORS.indexOf(a) >= INDICATORS.indexOf(b) ? a : b);
const IMPACT_OF: Record<ComponentStatus, Indicator> = { operational: 'none', under_maintenance: 'minor', degraded_performance: 'minor', partial_outage: 'major', major_outage: 'critical' };
const DESCRIPTION_OF: Record<Indicator, string> = { none: 'All Systems Operational', minor: 'Minor Service Outage', major: 'Partial System Outage', critical: 'Major Service Outage' };

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

interface AffectedComponent {
  code: string;
  name: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

interface IncidentUpdate {
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

/** What the fault hook does to one request. */
export interface RequestDecision {
  delayMs: number;
  fail?: { kind: 'reset' } | { kind: 'status'; status: number; title: string; detail: string };
}

export class OperationsInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const statuspageId = () => {
  // statuspage.io ids: 12 lowercase alphanumerics.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(12)].map((b) => alphabet[b % 36]).join('');
};
const stableId = (seed: string) => BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 16)}`).toString(36).padStart(12, '0').slice(-12);

export const componentId = (environment: EnvironmentName, api: ApiKey) => stableId(`vipps-devkit/${environment}/${api}`);
export const groupId = (environment: EnvironmentName) => stableId(`vipps-devkit/${environment}`);
export const PAGE_ID = stableId('vipps-devkit/page');

/** `"POST /a/:b/*"` → method and a regular expression over the request path. */
export function parseEndpoint(components: readonly StatusComponent[], endpoint: string): { method?: string; path: RegExp; api: ApiKey | undefined } {
  const m = /^(?:([A-Za-z]+)\s+)?(\/\S*)$/.exec(endpoint.trim());
  if (!m) throw new OperationsInputError('endpoint', 'endpoint must be a path, optionally after a method: "POST /epayment/v1/payments/:reference/capture"');
  const pattern = m[2]!
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')))
    .join('/');
  return { ...(m[1] ? { method: m[1].toUpperCase() } : {}), path: new RegExp(`^${pattern}/?$`), api: apiOfPath(components, m[2]!.replace(/:[^/]+/g, 'x')) };
}

function sample(spec: LatencySpec, random: () => number): number {
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

const MAX_LATENCY_MS = 120_000;
const MAX_CALLBACK_DELAY_MS = 50_000; // below the dispatcher's 60 s lease

interface CompiledFault {
  fault: Fault;
  method?: string;
  path?: RegExp;
}

export interface OperationsOptions {
  database: DatabaseHandle;
  clock: Clock;
  servers: RequestServerDirectory;
  publicUrl: () => string;
  /** Every faultable API, in status-page order (the module registry). */
  components: readonly StatusComponent[];
  random?: () => number;
}

export class Operations {
  private faults: Fault[] = [];
  private requestFaults: CompiledFault[] = [];
  private incidents: Incident[] = [];
  private maintenances: Maintenance[] = [];
  private createdAt = '';
  private readonly random: () => number;

  private readonly apiKeys: readonly ApiKey[];

  constructor(private readonly o: OperationsOptions) {
    this.random = o.random ?? Math.random;
    this.apiKeys = o.components.map((c) => c.key);
  }

  private isApiKey(v: string): boolean {
    return this.apiKeys.includes(v);
  }

  /** Which API a request path belongs to (see apiOfPath). */
  apiOf(path: string): ApiKey | undefined {
    return apiOfPath(this.o.components, path);
  }

  get home(): EnvironmentName {
    return this.o.servers.home;
  }

  async load(): Promise<void> {
    const db = this.o.database.db;
    const key = 'status_page_created_at';
    const saved = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    this.createdAt = saved?.value ?? this.o.clock.now().toISOString();
    if (!saved) await db.insertInto('settings').values({ key, value: this.createdAt }).execute();
    const faults = await db.selectFrom('faults').select('document').orderBy('created_at').execute();
    const incidents = await db.selectFrom('status_incidents').select('document').orderBy('created_at').execute();
    const maintenances = await db.selectFrom('status_maintenances').select('document').orderBy('scheduled_for').execute();
    this.faults = faults.map((r) => JSON.parse(r.document) as Fault);
    this.incidents = incidents.map((r) => JSON.parse(r.document) as Incident);
    this.maintenances = maintenances.map((r) => JSON.parse(r.document) as Maintenance);
    this.compile();
  }

  /** Control-API reset: no faults, no incidents, no maintenance; every environment up. */
  async reset(): Promise<void> {
    await this.o.database.commands.run(async (trx) => {
      await trx.deleteFrom('faults').execute();
      await trx.deleteFrom('status_incidents').execute();
      await trx.deleteFrom('status_maintenances').execute();
    });
    this.faults = [];
    this.incidents = [];
    this.maintenances = [];
    this.compile();
  }

  private compile(): void {
    this.requestFaults = this.activeFaults()
      .filter((f) => f.type === 'latency' || f.type === 'errors' || f.type === 'outage')
      .map((fault) => {
        if (!fault.endpoint) return { fault };
        const { method, path } = parseEndpoint(this.o.components, fault.endpoint);
        return { fault, ...(method ? { method } : {}), path };
      });
  }

  activeFaults(): Fault[] {
    return this.faults.filter((f) => f.clearedAt === null);
  }

  getFault(id: string): Fault | undefined {
    return this.faults.find((f) => f.id === id);
  }

  // ---------------------------------------------------------------- faults

  /** Checks and normalises a fault as given over the control API. */
  normalise(input: NewFault): Omit<Fault, 'id' | 'createdAt' | 'clearedAt' | 'incidentId'> {
    const bad = (field: string, message: string) => new OperationsInputError(field, message);
    const type = input.type;
    const common = { ...(input.title ? { title: input.title } : {}), ...(input.message ? { message: input.message } : {}) };
    if (type === 'environment') {
      const environment = input.environment ?? this.home;
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
        return { type, environment: this.home, api: 'webhooks', mode, latency: l, ...common };
      }
      if (mode === 'fail') return { type, environment: this.home, api: 'webhooks', mode, rate: rate(), ...common };
      throw bad('mode', 'callbacks mode must be slow or fail');
    }
    let api = input.api;
    let endpoint: string | undefined;
    if (input.endpoint !== undefined) {
      const parsed = parseEndpoint(this.o.components, input.endpoint);
      if (!parsed.api) throw bad('endpoint', `${input.endpoint} is not an endpoint of a faultable API (${this.apiKeys.join(', ')})`);
      if (api !== undefined && api !== parsed.api) throw bad('endpoint', `${input.endpoint} does not belong to the ${api} API`);
      api = parsed.api;
      endpoint = input.endpoint.trim();
    }
    if (api === undefined) throw bad('api', `api is required: one of ${this.apiKeys.join(', ')}`);
    if (!this.isApiKey(api)) throw bad('api', `unknown api "${api}": one of ${this.apiKeys.join(', ')}`);
    const scope = { environment: this.home, api, ...(endpoint ? { endpoint } : {}), ...common };
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

  /** Injects a fault and opens its incident, in one transaction. */
  async addFault(input: NewFault): Promise<{ fault: Fault; incident: Incident }> {
    const spec = this.normalise(input);
    const now = this.o.clock.now().toISOString();
    const before = this.componentStatuses();
    const fault: Fault = { ...spec, id: statuspageId(), createdAt: now, clearedAt: null, incidentId: statuspageId() };
    if (fault.type === 'environment') await this.o.servers.setDown(fault.environment, true);
    this.faults.push(fault);
    this.compile();
    const after = this.componentStatuses();
    const affectedIds = this.componentsOf(fault);
    const impact = IMPACT_OF[this.faultStatus(fault)];
    const incident: Incident = {
      id: fault.incidentId,
      name: fault.title ?? this.incidentName(fault),
      impact,
      componentIds: affectedIds,
      createdAt: now,
      updatedAt: now,
      startedAt: now,
      monitoringAt: null,
      resolvedAt: null,
      faultId: fault.id,
      updates: [
        {
          id: statuspageId(),
          status: 'investigating',
          body: `We are investigating ${this.describeFault(fault)}. (Injected with the devkit fault ${fault.id}.)`,
          createdAt: now,
          affected: this.affected(affectedIds, before, after),
        },
      ],
    };
    this.incidents.push(incident);
    await this.o.database.commands.run(async (trx) => {
      await trx.insertInto('faults').values({ id: fault.id, document: JSON.stringify(fault), active: 1, created_at: now }).execute();
      await trx.insertInto('status_incidents').values({ id: incident.id, document: JSON.stringify(incident), resolved: 0, created_at: now }).execute();
    });
    return { fault, incident };
  }

  /** Clears a fault and resolves its incident. Undefined when there is no such active fault. */
  async clearFault(id: string): Promise<{ fault: Fault; incident: Incident | undefined } | undefined> {
    const fault = this.faults.find((f) => f.id === id && f.clearedAt === null);
    if (!fault) return undefined;
    const now = this.o.clock.now().toISOString();
    const before = this.componentStatuses();
    fault.clearedAt = now;
    this.compile();
    if (fault.type === 'environment' && !this.activeFaults().some((f) => f.type === 'environment' && f.environment === fault.environment)) {
      await this.o.servers.setDown(fault.environment, false);
    }
    const after = this.componentStatuses();
    const incident = this.incidents.find((i) => i.id === fault.incidentId);
    if (incident && incident.resolvedAt === null) {
      incident.resolvedAt = now;
      incident.updatedAt = now;
      incident.updates.push({
        id: statuspageId(),
        status: 'resolved',
        body: `This incident has been resolved: ${this.describeFault(fault)} is over. (Devkit fault ${fault.id} cleared.)`,
        createdAt: now,
        affected: this.affected(incident.componentIds, before, after),
      });
    }
    await this.o.database.commands.run(async (trx) => {
      await trx.updateTable('faults').set({ document: JSON.stringify(fault), active: 0 }).where('id', '=', fault.id).execute();
      if (incident) await trx.updateTable('status_incidents').set({ document: JSON.stringify(incident), resolved: 1 }).where('id', '=', incident.id).execute();
    });
    return { fault, incident };
  }

  async clearAll(): Promise<Fault[]> {
    const cleared: Fault[] = [];
    for (const f of this.activeFaults()) {
      const r = await this.clearFault(f.id);
      if (r) cleared.push(r.fault);
    }
    return cleared;
  }

  private incidentName(f: Fault): string {
    const env = f.environment.toUpperCase();
    const api = this.o.components.find((a) => a.key === f.api)?.name ?? '';
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

  describeFault(f: Fault): string {
    const l = f.latency;
    const latency = !l ? '' : l.distribution === 'fixed' ? `${l.ms} ms` : l.distribution === 'uniform' ? `${l.min}–${l.max} ms` : `~${l.mean} ± ${l.stddev} ms`;
    const api = this.o.components.find((a) => a.key === f.api)?.name;
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

  private componentsOf(f: Fault): string[] {
    if (f.type === 'environment') return this.apiKeys.map((a) => componentId(f.environment, a));
    return [componentId(f.environment, f.api!)];
  }

  private faultStatus(f: Fault): ComponentStatus {
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

  private affected(ids: string[], before: Map<string, ComponentStatus>, after: Map<string, ComponentStatus>): AffectedComponent[] {
    return ids.map((id) => ({ code: id, name: this.componentName(id), old_status: before.get(id) ?? 'operational', new_status: after.get(id) ?? 'operational' }));
  }

  private componentName(id: string): string {
    for (const env of ENVIRONMENT_NAMES) for (const api of this.o.components) if (componentId(env, api.key) === id) return `${api.name} (${env.toUpperCase()})`;
    return id;
  }

  // ---------------------------------------------------------------- the request path

  /** True when some fault or maintenance might touch a request: the hook's fast path. */
  mayAffectRequests(): boolean {
    return this.requestFaults.length > 0 || this.maintenances.some((m) => m.unavailable && m.environment === this.home);
  }

  /** What to do with one request to `api` (latency to add, a failure to answer). */
  decide(method: string, path: string, api: ApiKey): RequestDecision | undefined {
    let delayMs = 0;
    let fail: RequestDecision['fail'];
    for (const c of this.requestFaults) {
      const f = c.fault;
      if (f.api !== api) continue;
      if (c.method && c.method !== method) continue;
      if (c.path && !c.path.test(path)) continue;
      if (f.type === 'latency') delayMs += sample(f.latency!, this.random);
      else if (fail) continue;
      else if (f.type === 'outage') fail = f.mode === 'reset' ? { kind: 'reset' } : { kind: 'status', status: 503, title: STATUS_CODES[503]!, detail: f.message ?? `The service is unavailable (injected outage, devkit fault ${f.id}).` };
      else if (f.type === 'errors' && this.random() < (f.rate ?? 1)) {
        fail = { kind: 'status', status: f.status!, title: STATUS_CODES[f.status!] ?? 'Error', detail: f.message ?? `Injected error (devkit fault ${f.id}).` };
      }
    }
    if (!fail) {
      const now = this.o.clock.now().getTime();
      const m = this.maintenances.find((m) => m.unavailable && m.environment === this.home && m.apis.includes(api) && this.maintenanceStatus(m, now) === 'in_progress');
      if (m) fail = { kind: 'status', status: 503, title: STATUS_CODES[503]!, detail: `Scheduled maintenance until ${m.scheduledUntil}: ${m.name}.` };
    }
    return delayMs > 0 || fail ? { delayMs: Math.round(delayMs), ...(fail ? { fail } : {}) } : undefined;
  }

  /** Consulted by the dispatcher before each delivery attempt (slow or failing callbacks). */
  readonly deliveryFaults = {
    beforeAttempt: (_target: { url: string; eventType: string }): { delayMs: number; fail?: string } | undefined => {
      let delayMs = 0;
      let fail: string | undefined;
      for (const f of this.activeFaults()) {
        if (f.type !== 'callbacks') continue;
        if (f.mode === 'slow') delayMs += sample(f.latency!, this.random);
        else if (!fail && this.random() < (f.rate ?? 1)) fail = `injected fault ${f.id}: the platform failed to deliver`;
      }
      return delayMs > 0 || fail ? { delayMs: Math.min(MAX_CALLBACK_DELAY_MS, Math.round(delayMs)), ...(fail ? { fail } : {}) } : undefined;
    },
  };

  // ---------------------------------------------------------------- maintenance

  maintenanceStatus(m: Maintenance, now = this.o.clock.now().getTime()): MaintenanceStatus {
    if (now < Date.parse(m.scheduledFor)) return 'scheduled';
    if (now < Date.parse(m.scheduledUntil)) return 'in_progress';
    return 'completed';
  }

  listMaintenances(): Maintenance[] {
    return [...this.maintenances];
  }

  async addMaintenance(input: NewMaintenance): Promise<Maintenance> {
    const bad = (field: string, message: string) => new OperationsInputError(field, message);
    const now = this.o.clock.now();
    const environment = input.environment ?? this.home;
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(environment)) throw bad('environment', `environment must be one of ${ENVIRONMENT_NAMES.join(', ')}`);
    const apis = input.apis ?? [...this.apiKeys];
    for (const a of apis) if (!this.isApiKey(a)) throw bad('apis', `unknown api "${a}": one of ${this.apiKeys.join(', ')}`);
    if (apis.length === 0) throw bad('apis', 'name at least one api');
    let start = now.getTime() + (input.startsIn ?? 0);
    if (input.startsAt !== undefined) {
      start = Date.parse(input.startsAt);
      if (!Number.isFinite(start)) throw bad('startsAt', 'startsAt must be an ISO-8601 date-time');
    }
    if (!Number.isFinite(input.durationMs) || input.durationMs <= 0) throw bad('duration', 'duration must be positive');
    const env = environment as EnvironmentName;
    const names = apis.map((a) => this.o.components.find((s) => s.key === a)!.name);
    const m: Maintenance = {
      id: statuspageId(),
      name: input.name ?? `Scheduled maintenance of ${names.join(', ')} in ${env.toUpperCase()}`,
      description: input.description ?? `${names.join(', ')} ${input.unavailable ? 'will be unavailable' : 'may be briefly unavailable'} during the window.`,
      environment: env,
      apis: apis as ApiKey[],
      componentIds: (apis as ApiKey[]).map((a) => componentId(env, a)),
      scheduledFor: new Date(start).toISOString(),
      scheduledUntil: new Date(start + input.durationMs).toISOString(),
      createdAt: now.toISOString(),
      unavailable: input.unavailable ?? false,
    };
    this.maintenances.push(m);
    await this.o.database.commands.run(async (trx) => {
      await trx.insertInto('status_maintenances').values({ id: m.id, document: JSON.stringify(m), scheduled_for: m.scheduledFor, scheduled_until: m.scheduledUntil }).execute();
    });
    return m;
  }

  /** Cancels a window that has not started, or ends a running one now. */
  async endMaintenance(id: string): Promise<{ maintenance: Maintenance; deleted: boolean } | undefined> {
    const m = this.maintenances.find((x) => x.id === id);
    if (!m) return undefined;
    const now = this.o.clock.now();
    const status = this.maintenanceStatus(m, now.getTime());
    if (status === 'scheduled') {
      this.maintenances = this.maintenances.filter((x) => x !== m);
      await this.o.database.commands.run((trx) => trx.deleteFrom('status_maintenances').where('id', '=', id).execute());
      return { maintenance: m, deleted: true };
    }
    if (status === 'in_progress') {
      m.scheduledUntil = now.toISOString();
      await this.o.database.commands.run((trx) =>
        trx.updateTable('status_maintenances').set({ document: JSON.stringify(m), scheduled_until: m.scheduledUntil }).where('id', '=', id).execute(),
      );
    }
    return { maintenance: m, deleted: false };
  }

  // ---------------------------------------------------------------- the status page (statuspage.io v2 shapes)

  /** Current status of every (child) component, by id. */
  componentStatuses(now = this.o.clock.now().getTime()): Map<string, ComponentStatus> {
    const out = new Map<string, ComponentStatus>();
    for (const env of ENVIRONMENT_NAMES) for (const api of this.apiKeys) out.set(componentId(env, api), 'operational');
    const raise = (id: string, s: ComponentStatus) => out.set(id, worse(out.get(id) ?? 'operational', s));
    for (const m of this.maintenances) if (this.maintenanceStatus(m, now) === 'in_progress') m.componentIds.forEach((id) => raise(id, 'under_maintenance'));
    for (const f of this.activeFaults()) this.componentsOf(f).forEach((id) => raise(id, this.faultStatus(f)));
    for (const env of ENVIRONMENT_NAMES) if (this.o.servers.describe(env).down) this.apiKeys.forEach((a) => raise(componentId(env, a), 'major_outage'));
    return out;
  }

  private componentUpdatedAt(id: string, now: number): string {
    let latest = this.createdAt;
    const bump = (t: string | null | undefined) => {
      if (t && t > latest && Date.parse(t) <= now) latest = t;
    };
    for (const f of this.faults) if (this.componentsOf(f).includes(id)) {
      bump(f.createdAt);
      bump(f.clearedAt);
    }
    for (const m of this.maintenances) if (m.componentIds.includes(id)) {
      bump(m.scheduledFor);
      bump(m.scheduledUntil);
    }
    return latest;
  }

  page() {
    const now = this.o.clock.now().getTime();
    let updated = this.createdAt;
    for (const c of this.components()) if (c.updated_at > updated) updated = c.updated_at;
    for (const i of this.incidents) if (i.updatedAt > updated) updated = i.updatedAt;
    for (const m of this.maintenances) if (m.createdAt > updated && Date.parse(m.createdAt) <= now) updated = m.createdAt;
    return { id: PAGE_ID, name: 'Vipps Devkit (emulated)', url: `${this.o.publicUrl()}/status`, time_zone: 'Europe/Oslo', updated_at: updated };
  }

  components() {
    const now = this.o.clock.now().getTime();
    const statuses = this.componentStatuses(now);
    const created = this.createdAt;
    const envs = [this.home, ...ENVIRONMENT_NAMES.filter((e) => e !== this.home)];
    const out: Array<Record<string, unknown> & { id: string; name: string; status: ComponentStatus; updated_at: string; group: boolean; group_id: string | null }> = [];
    let position = 1;
    for (const env of envs) {
      const gid = groupId(env);
      const children = this.apiKeys.map((a) => componentId(env, a));
      const childStatuses = children.map((id) => statuses.get(id)!);
      const groupStatus = childStatuses.reduce<ComponentStatus>((a, b) => worse(a, b), 'operational');
      const groupUpdated = children.map((id) => this.componentUpdatedAt(id, now)).reduce((a, b) => (b > a ? b : a), created);
      out.push({
        id: gid,
        name: ENVIRONMENT_TITLES[env],
        status: groupStatus,
        created_at: created,
        updated_at: groupUpdated,
        position: position++,
        description: env === this.home ? 'The environment this emulator plays' : null,
        showcase: false,
        start_date: null,
        group_id: null,
        page_id: PAGE_ID,
        group: true,
        only_show_if_degraded: false,
        components: children,
      });
      this.o.components.forEach((api, i) => {
        const id = children[i]!;
        out.push({
          id,
          name: api.name,
          status: statuses.get(id)!,
          created_at: created,
          updated_at: this.componentUpdatedAt(id, now),
          position: position++,
          description: api.description,
          showcase: true,
          start_date: created.slice(0, 10),
          group_id: gid,
          page_id: PAGE_ID,
          group: false,
          only_show_if_degraded: false,
        });
      });
    }
    return out;
  }

  /** The overall indicator: the worst component status and the worst unresolved incident. */
  status(): { indicator: Indicator; description: string } {
    let indicator: Indicator = 'none';
    let maintenanceOnly = false;
    for (const s of this.componentStatuses().values()) {
      if (s === 'under_maintenance') maintenanceOnly = true;
      indicator = worseIndicator(indicator, IMPACT_OF[s]);
    }
    for (const i of this.incidents) if (i.resolvedAt === null) indicator = worseIndicator(indicator, i.impact);
    const description = indicator === 'minor' && maintenanceOnly && !this.incidents.some((i) => i.resolvedAt === null) && ![...this.componentStatuses().values()].some((s) => s === 'degraded_performance') ? 'Service Under Maintenance' : DESCRIPTION_OF[indicator];
    return { indicator, description };
  }

  private componentViews(ids: string[]) {
    const all = this.components();
    return ids.map((id) => all.find((c) => c.id === id)).filter((c) => c !== undefined);
  }

  private updateView(incidentId: string, u: IncidentUpdate) {
    return {
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: incidentId,
      created_at: u.createdAt,
      updated_at: u.createdAt,
      display_at: u.createdAt,
      affected_components: u.affected,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    };
  }

  incidentView(i: Incident) {
    const last = i.updates.at(-1)!;
    return {
      id: i.id,
      name: i.name,
      status: last.status,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      monitoring_at: i.monitoringAt,
      resolved_at: i.resolvedAt,
      impact: i.impact,
      shortlink: `${this.o.publicUrl()}/status#incident-${i.id}`,
      started_at: i.startedAt,
      page_id: PAGE_ID,
      incident_updates: [...i.updates].reverse().map((u) => this.updateView(i.id, u)),
      components: this.componentViews(i.componentIds),
    };
  }

  /** Newest first; `unresolved` leaves out resolved ones. */
  incidentList(options: { unresolved?: boolean; limit?: number } = {}) {
    const list = [...this.incidents].reverse().filter((i) => !options.unresolved || i.resolvedAt === null);
    return list.slice(0, options.limit ?? 50).map((i) => this.incidentView(i));
  }

  maintenanceView(m: Maintenance, now = this.o.clock.now().getTime()) {
    const status = this.maintenanceStatus(m, now);
    const updates: Array<{ status: MaintenanceStatus; body: string; at: string }> = [
      { status: 'scheduled', body: m.description, at: m.createdAt },
    ];
    if (status !== 'scheduled') updates.push({ status: 'in_progress', body: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.', at: m.scheduledFor });
    if (status === 'completed') updates.push({ status: 'completed', body: 'The scheduled maintenance has been completed.', at: m.scheduledUntil });
    const affectedStatus: ComponentStatus = status === 'in_progress' ? 'under_maintenance' : 'operational';
    const last = updates.at(-1)!;
    return {
      id: m.id,
      name: m.name,
      status,
      created_at: m.createdAt,
      updated_at: last.at,
      monitoring_at: null,
      resolved_at: status === 'completed' ? m.scheduledUntil : null,
      impact: 'maintenance' as const,
      shortlink: `${this.o.publicUrl()}/status#maintenance-${m.id}`,
      started_at: m.scheduledFor,
      page_id: PAGE_ID,
      scheduled_for: m.scheduledFor,
      scheduled_until: m.scheduledUntil,
      incident_updates: updates.reverse().map((u, i) => ({
        id: `${m.id}${updates.length - 1 - i}`.slice(-12).padStart(12, '0'),
        status: u.status,
        body: u.body,
        incident_id: m.id,
        created_at: u.at,
        updated_at: u.at,
        display_at: u.at,
        affected_components: m.componentIds.map((code) => ({ code, name: this.componentName(code), old_status: 'operational' as ComponentStatus, new_status: u.status === 'in_progress' ? 'under_maintenance' : 'operational' })),
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      })),
      components: this.componentViews(m.componentIds).map((c) => (status === 'in_progress' && c.status === 'operational' ? { ...c, status: affectedStatus } : c)),
    };
  }

  /** Newest first. `which`: all (50 most recent), upcoming (scheduled) or active (in progress/verifying). */
  maintenanceList(which: 'all' | 'upcoming' | 'active' = 'all') {
    const now = this.o.clock.now().getTime();
    const list = [...this.maintenances]
      .sort((a, b) => (a.scheduledFor < b.scheduledFor ? 1 : -1))
      .filter((m) => {
        const s = this.maintenanceStatus(m, now);
        return which === 'all' || (which === 'upcoming' ? s === 'scheduled' : s === 'in_progress' || s === 'verifying');
      });
    return list.slice(0, 50).map((m) => this.maintenanceView(m, now));
  }
}
