import { randomBytes } from 'node:crypto';
import type { DatabaseHandle } from '../../db/open.js';
import type { RequestServerDirectory } from '../../environments/request-server-directory.js';
import type { Clock } from '../../platform/clock.js';
import { isConcurrentUpdate } from '../../platform/concurrency.js';
import type { DeliveryFaults, RequestFaults } from '../module.js';
import {
  EMPTY_STATE,
  activeFaults,
  compileRequestFaults,
  decide,
  decideDelivery,
  decideRequest,
  describeFault,
  maintenanceStatus,
  mayAffectRequests,
  type Command,
  type CompiledFault,
  type Context,
  type Effect,
  type Fault,
  type Incident,
  type Maintenance,
  type MaintenanceStatus,
  type NewFault,
  type NewMaintenance,
  type OperationsState,
  type Refusal,
  type Setting,
  type StatusComponent,
} from './domain.js';
import { operationsStore } from './store.js';
import { StatusPageView } from './views.js';

/** statuspage.io ids: 12 lowercase alphanumerics. */
export function statuspageId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(12)].map((b) => alphabet[b % 36]).join('');
}

export interface OperationsDeps {
  database: DatabaseHandle;
  clock: Clock;
  /** Request servers: which environments are down; environment faults mark them down in the same command. */
  servers: RequestServerDirectory;
  /** Woken when an environment goes down or up: deliveries change where they come from. */
  outbox: { wake(): void };
  publicUrl: () => string;
  /** Every faultable API, in status-page order. */
  components: readonly StatusComponent[];
  newId?: () => string;
  random?: () => number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal | { type: 'conflict'; message: string } };

/** A command that lost an optimistic race runs again (it reads the state anew); this many times at most. */
const ATTEMPTS = 3;

/**
 * Operations' shell: each command loads the state in its transaction, lets the domain decide,
 * and writes the outcome (and an environment's down flag) in that same transaction through the
 * command queue. The copy in memory, which the request path and the status page read, changes
 * only after the commit; in shared PostgreSQL mode it is reloaded on every sweep (`load`).
 */
export class OperationsService {
  private state: OperationsState = EMPTY_STATE;
  private compiled: CompiledFault[] = [];
  private affectsRequests = false;
  private createdAt = '';
  /** Commands that got as far as writing, and the newest of them whose state is in memory. */
  private issued = 0;
  private applied = 0;
  private readonly setting: Setting;
  private readonly random: () => number;
  private readonly newId: () => string;

  constructor(private readonly deps: OperationsDeps) {
    this.setting = { components: deps.components, home: deps.servers.home };
    this.random = deps.random ?? Math.random;
    this.newId = deps.newId ?? statuspageId;
  }

  /** (Re)reads faults, incidents and maintenance windows: at start, after a reset, and on the shared-mode sweep. */
  async load(): Promise<void> {
    const { database, clock } = this.deps;
    const issuedBefore = this.issued;
    this.createdAt = (await operationsStore.createdAt(database.db)) ?? (await database.commands.run((trx) => operationsStore.ensureCreatedAt(trx, clock.now().toISOString())));
    const state = await operationsStore.load(database.db);
    // A command that wrote meanwhile put a state at least as new as this read into memory (or will, once it commits).
    if (this.issued !== issuedBefore) return;
    this.use(state);
  }

  private use(state: OperationsState): void {
    this.state = state;
    this.compiled = compileRequestFaults(state, this.setting.components);
    this.affectsRequests = mayAffectRequests(this.compiled, state, this.setting.home);
  }

  private context(): Context {
    return { ...this.setting, now: this.deps.clock.now(), newId: this.newId, down: this.deps.servers.downEnvironments() };
  }

  /** Load, decide, store in one command; memory and the request servers' flags change after the commit. */
  private async execute(command: Command): Promise<Result<{ state: OperationsState; effects: Effect[] }>> {
    for (let attempt = 1; ; attempt++) {
      let seq = 0;
      try {
        const done = await this.deps.database.commands.run(async (trx) => {
          const outcome = decide(await operationsStore.load(trx), command, this.context());
          if (!outcome.ok) return { outcome, after: [] as Array<() => void> };
          seq = ++this.issued;
          const after: Array<() => void> = [];
          for (const e of outcome.effects) {
            switch (e.type) {
              case 'faultAdded':
                await operationsStore.insertFault(trx, e.fault, e.incident);
                break;
              case 'faultCleared':
                await operationsStore.clearFault(trx, e.fault, e.incident);
                break;
              case 'maintenanceAdded':
                await operationsStore.insertMaintenance(trx, e.maintenance);
                break;
              case 'maintenanceDeleted':
                await operationsStore.deleteMaintenance(trx, e.maintenance);
                break;
              case 'maintenanceEnded':
                await operationsStore.updateMaintenance(trx, e.maintenance, e.previousUntil);
                break;
              case 'environmentDown':
                after.push(await this.deps.servers.markDown(trx, e.environment, e.down));
                break;
            }
          }
          return { outcome, after };
        });
        const { outcome, after } = done;
        if (!outcome.ok) return { ok: false, refusal: outcome.refusal };
        after.forEach((apply) => apply());
        if (seq > this.applied) {
          this.applied = seq;
          this.use(outcome.state);
        }
        // A failed-over (or recovered) environment changes where deliveries come from: look again now.
        if (outcome.effects.some((e) => e.type === 'environmentDown')) this.deps.outbox.wake();
        return { ok: true, value: { state: outcome.state, effects: outcome.effects } };
      } catch (err) {
        // Another instance changed the same rows meanwhile: decide again on what is there now.
        if (!isConcurrentUpdate(err)) throw err;
        if (attempt >= ATTEMPTS) return { ok: false, refusal: { type: 'conflict', message: `${err.message}; try again` } };
      }
    }
  }

  // ---------------------------------------------------------------- commands

  /** Injects a fault and opens its incident. */
  async addFault(input: NewFault): Promise<Result<{ fault: Fault; incident: Incident }>> {
    const r = await this.execute({ type: 'addFault', input });
    if (!r.ok) return r;
    const added = r.value.effects.find((e) => e.type === 'faultAdded')!;
    return { ok: true, value: { fault: added.fault, incident: added.incident } };
  }

  /** Clears an active fault and resolves its incident. */
  async clearFault(id: string): Promise<Result<{ fault: Fault; incident: Incident | undefined }>> {
    const r = await this.execute({ type: 'clearFault', id });
    if (!r.ok) return r;
    const cleared = r.value.effects.find((e) => e.type === 'faultCleared')!;
    return { ok: true, value: { fault: cleared.fault, incident: cleared.incident } };
  }

  /** Clears every active fault, in one transaction. */
  async clearAll(): Promise<Result<Fault[]>> {
    const r = await this.execute({ type: 'clearAllFaults' });
    if (!r.ok) return r;
    return { ok: true, value: r.value.effects.flatMap((e) => (e.type === 'faultCleared' ? [e.fault] : [])) };
  }

  async addMaintenance(input: NewMaintenance): Promise<Result<Maintenance>> {
    const r = await this.execute({ type: 'addMaintenance', input });
    if (!r.ok) return r;
    return { ok: true, value: r.value.effects.find((e) => e.type === 'maintenanceAdded')!.maintenance };
  }

  /** Cancels a window that has not started (deleted), or ends a running one now; a completed one stays. */
  async endMaintenance(id: string): Promise<Result<{ maintenance: Maintenance; deleted: boolean }>> {
    const r = await this.execute({ type: 'endMaintenance', id });
    if (!r.ok) return r;
    for (const e of r.value.effects) {
      if (e.type === 'maintenanceDeleted') return { ok: true, value: { maintenance: e.maintenance, deleted: true } };
      if (e.type === 'maintenanceEnded') return { ok: true, value: { maintenance: e.maintenance, deleted: false } };
    }
    return { ok: true, value: { maintenance: r.value.state.maintenances.find((m) => m.id === id)!, deleted: false } };
  }

  // ---------------------------------------------------------------- reads (the copy in memory)

  activeFaults(): Fault[] {
    return activeFaults(this.state);
  }

  fault(id: string): Fault | undefined {
    return this.state.faults.find((f) => f.id === id);
  }

  maintenances(): Maintenance[] {
    return [...this.state.maintenances];
  }

  maintenanceStatus(m: Maintenance): MaintenanceStatus {
    return maintenanceStatus(m, this.deps.clock.now().getTime());
  }

  describeFault(f: Fault): string {
    return describeFault(this.setting.components, f);
  }

  /** The status page as of now, in statuspage.io's shapes. */
  view(): StatusPageView {
    return new StatusPageView({
      state: this.state,
      components: this.setting.components,
      home: this.setting.home,
      down: this.deps.servers.downEnvironments(),
      createdAt: this.createdAt,
      now: this.deps.clock.now(),
      publicUrl: this.deps.publicUrl(),
    });
  }

  // ---------------------------------------------------------------- providers for the server and the dispatcher

  readonly requestFaults: RequestFaults = {
    mayAffectRequests: () => this.affectsRequests,
    decide: (method, path, api) =>
      decideRequest(this.compiled, this.state, { method, path, api }, { now: this.deps.clock.now().getTime(), home: this.setting.home, random: this.random }),
  };

  readonly deliveryFaults: DeliveryFaults = {
    beforeAttempt: () => decideDelivery(this.state, this.random),
  };
}
