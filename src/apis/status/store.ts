import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { settings } from '../../db/tables.js';
import { ConcurrentUpdate } from '../../platform/concurrency.js';
import type { Fault, Incident, Maintenance, OperationsState } from './domain.js';

type Db = Kysely<Database> | Transaction<Database>;

const CREATED_AT = 'status_page_created_at';

/**
 * The status module's tables (migration `0004_operations`): faults, incidents and maintenance
 * windows, each a JSON document plus the columns queries need. Inside a command pass its
 * transaction. A write that finds its row changed since it was read raises ConcurrentUpdate.
 */
export const operationsStore = {
  async load(db: Db): Promise<OperationsState> {
    const faults = await db.selectFrom('faults').select('document').orderBy('created_at').execute();
    const incidents = await db.selectFrom('status_incidents').select('document').orderBy('created_at').execute();
    const maintenances = await db.selectFrom('status_maintenances').select('document').orderBy('scheduled_for').execute();
    return {
      faults: faults.map((r) => JSON.parse(r.document) as Fault),
      incidents: incidents.map((r) => JSON.parse(r.document) as Incident),
      maintenances: maintenances.map((r) => JSON.parse(r.document) as Maintenance),
    };
  },

  /** When the status page was born (the components' created_at), if it was. */
  createdAt(db: Db): Promise<string | undefined> {
    return settings.get(db, CREATED_AT);
  },

  /** Records the page's birth unless another instance did first; returns the one that counts. */
  async ensureCreatedAt(trx: Transaction<Database>, now: string): Promise<string> {
    await trx.insertInto('settings').values({ key: CREATED_AT, value: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
    return (await settings.get(trx, CREATED_AT)) ?? now;
  },

  async insertFault(trx: Transaction<Database>, fault: Fault, incident: Incident): Promise<void> {
    await trx.insertInto('faults').values({ id: fault.id, document: JSON.stringify(fault), active: 1, created_at: fault.createdAt }).execute();
    await trx.insertInto('status_incidents').values({ id: incident.id, document: JSON.stringify(incident), resolved: 0, created_at: incident.createdAt }).execute();
  },

  /** Marks an active fault cleared and writes its incident; ConcurrentUpdate when it was cleared meanwhile. */
  async clearFault(trx: Transaction<Database>, fault: Fault, incident: Incident | undefined): Promise<void> {
    const r = await trx.updateTable('faults').set({ document: JSON.stringify(fault), active: 0 }).where('id', '=', fault.id).where('active', '=', 1).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ConcurrentUpdate('fault', fault.id);
    if (incident) {
      await trx.updateTable('status_incidents').set({ document: JSON.stringify(incident), resolved: incident.resolvedAt === null ? 0 : 1 }).where('id', '=', incident.id).execute();
    }
  },

  async insertMaintenance(trx: Transaction<Database>, m: Maintenance): Promise<void> {
    await trx.insertInto('status_maintenances').values({ id: m.id, document: JSON.stringify(m), scheduled_for: m.scheduledFor, scheduled_until: m.scheduledUntil }).execute();
  },

  async deleteMaintenance(trx: Transaction<Database>, m: Maintenance): Promise<void> {
    const r = await trx.deleteFrom('status_maintenances').where('id', '=', m.id).where('scheduled_until', '=', m.scheduledUntil).executeTakeFirst();
    if (Number(r.numDeletedRows) !== 1) throw new ConcurrentUpdate('maintenance', m.id);
  },

  /** Writes a window's new end, if its end is still `previousUntil`. */
  async updateMaintenance(trx: Transaction<Database>, m: Maintenance, previousUntil: string): Promise<void> {
    const r = await trx
      .updateTable('status_maintenances')
      .set({ document: JSON.stringify(m), scheduled_until: m.scheduledUntil })
      .where('id', '=', m.id)
      .where('scheduled_until', '=', previousUntil)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new ConcurrentUpdate('maintenance', m.id);
  },
};
