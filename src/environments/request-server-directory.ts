import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../db/open.js';
import type { Database } from '../db/schema.js';
import type { Clock } from '../platform/clock.js';
import { ENVIRONMENT_NAMES, REQUEST_SERVER_ENVIRONMENTS, type EnvironmentName } from './request-servers.js';

/** ~3 months, as Vipps rotates its active request server. */
export const DEFAULT_ROTATION_PERIOD_MS = 90 * 24 * 60 * 60_000;
/** Second octet of each environment's loopback range: prod 127.10.x.x, DR 127.20.x.x, MT 127.30.x.x. */
const ENVIRONMENT_OCTET: Record<EnvironmentName, number> = { prod: 10, dr: 20, mt: 30 };

export interface RequestServerView {
  environment: EnvironmentName;
  hostname: string;
  address: string;
  active: boolean;
}

export interface EnvironmentView {
  environment: EnvironmentName;
  down: boolean;
  generation: number;
  active: { hostname: string; address: string };
  servers: RequestServerView[];
}

interface EnvironmentState {
  anchor: number;
  manualRotations: number;
  down: boolean;
}

/**
 * Which request server of each environment is active, and at which loopback address each
 * hostname answers. Nothing is scheduled: the generation of an environment is derived from the
 * clock (one step per rotation period since its anchor) plus the rotations asked for on demand,
 * so a clock jump rotates as many times as it should and a restart finds the same answer.
 * Every generation moves the servers to fresh addresses, as the real ones change IPs, and makes
 * the next hostname active.
 */
export class RequestServerDirectory {
  private state = new Map<EnvironmentName, EnvironmentState>();

  constructor(
    private readonly database: DatabaseHandle,
    private readonly clock: Clock,
    /** The environment the emulator plays: deliveries come from it, or from DR while it is down. */
    readonly home: EnvironmentName = 'mt',
    private readonly periodMs = DEFAULT_ROTATION_PERIOD_MS,
  ) {}

  /** (Re)reads the state, creating each environment's row on first start (and on the shared-mode sweep). */
  async load(): Promise<void> {
    let rows = await this.database.db.selectFrom('request_server_state').selectAll().execute();
    if (rows.length < ENVIRONMENT_NAMES.length) {
      await this.database.commands.run((trx) => this.ensureRows(trx));
      rows = await this.database.db.selectFrom('request_server_state').selectAll().execute();
    }
    const next = new Map<EnvironmentName, EnvironmentState>();
    for (const row of rows) next.set(row.environment as EnvironmentName, { anchor: Date.parse(row.anchor), manualRotations: row.manual_rotations, down: row.down === 1 });
    this.state = next;
  }

  /** Rows for environments that have none (anchored now); idempotent, so concurrent starts and resets agree. */
  private async ensureRows(trx: Transaction<Database>): Promise<void> {
    const now = this.clock.now().toISOString();
    for (const environment of ENVIRONMENT_NAMES) {
      await trx.insertInto('request_server_state').values({ environment, anchor: now, manual_rotations: 0, down: 0 }).onConflict((oc) => oc.column('environment').doNothing()).execute();
    }
  }

  generation(environment: EnvironmentName): number {
    const s = this.state.get(environment)!;
    const scheduled = Math.max(0, Math.floor((this.clock.now().getTime() - s.anchor) / this.periodMs));
    return scheduled + s.manualRotations;
  }

  addressOf(environment: EnvironmentName, index: number, generation = this.generation(environment)): string {
    return `127.${ENVIRONMENT_OCTET[environment]}.${(generation % 250) + 1}.${index + 1}`;
  }

  describe(environment: EnvironmentName): EnvironmentView {
    const generation = this.generation(environment);
    const hostnames = REQUEST_SERVER_ENVIRONMENTS[environment];
    const activeIndex = generation % hostnames.length;
    const servers = hostnames.map((hostname, i) => ({ environment, hostname, address: this.addressOf(environment, i, generation), active: i === activeIndex }));
    const active = servers[activeIndex]!;
    return { environment, down: this.state.get(environment)!.down, generation, active: { hostname: active.hostname, address: active.address }, servers };
  }

  all(): EnvironmentView[] {
    return ENVIRONMENT_NAMES.map((e) => this.describe(e));
  }

  /** The server deliveries come from now: the home environment's active one, or DR's while home is down. */
  deliveryServer(): { environment: EnvironmentName; hostname: string; address: string } {
    const environment = this.state.get(this.home)!.down && this.home !== 'dr' ? 'dr' : this.home;
    return { environment, ...this.describe(environment).active };
  }

  /** DNS: the current address of a request-server hostname, or undefined when it is not one. */
  lookup(hostname: string): string | undefined {
    for (const environment of ENVIRONMENT_NAMES) {
      const index = REQUEST_SERVER_ENVIRONMENTS[environment].indexOf(hostname);
      if (index >= 0) return this.addressOf(environment, index);
    }
    return undefined;
  }

  async rotate(environment: EnvironmentName): Promise<EnvironmentView> {
    // An increment in SQL: instances sharing PostgreSQL may rotate at the same time.
    await this.database.commands.run((trx) =>
      trx.updateTable('request_server_state').set((eb) => ({ manual_rotations: eb('manual_rotations', '+', 1) })).where('environment', '=', environment).execute(),
    );
    this.state.get(environment)!.manualRotations += 1;
    return this.describe(environment);
  }

  async setDown(environment: EnvironmentName, down: boolean): Promise<EnvironmentView> {
    const apply = await this.database.commands.run((trx) => this.markDown(trx, environment, down));
    apply();
    return this.describe(environment);
  }

  /**
   * Marks an environment down (deliveries fail over to DR) or up inside the caller's command, so
   * that it commits with the caller's own writes (an environment fault and its incident). Returns
   * what to apply in memory once that command has committed.
   */
  async markDown(trx: Transaction<Database>, environment: EnvironmentName, down: boolean): Promise<() => void> {
    await trx.updateTable('request_server_state').set({ down: down ? 1 : 0 }).where('environment', '=', environment).execute();
    return () => {
      this.state.get(environment)!.down = down;
    };
  }

  /** The environments that are down now. */
  downEnvironments(): Set<EnvironmentName> {
    return new Set(ENVIRONMENT_NAMES.filter((e) => this.state.get(e)?.down));
  }

  /** Back to generation 0 at the current time, nothing down (control API reset), in one transaction. */
  async reset(): Promise<void> {
    await this.database.commands.run(async (trx) => {
      await trx.deleteFrom('request_server_state').execute();
      await this.ensureRows(trx);
    });
    await this.load();
  }
}
