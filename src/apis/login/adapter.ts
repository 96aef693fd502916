/**
 * oidc-provider's storage adapter, backed by the `login_oidc_state` table: every instance on a
 * shared PostgreSQL sees the same sessions, codes, grants and tokens. Writes go through the
 * command queue (one transaction each). Expiry follows the emulator clock: a row whose time is up
 * there is handed to oidc-provider as expired (its `exp` moved into the past), so a code after its
 * lifetime is refused after `POST /devkit/v1/clock/advance` as after a real wait. Clients are not
 * stored here: they are the merchants, with their portal settings (`login_clients`).
 */
import type { DatabaseHandle } from '../../db/open.js';
import type { Clock } from '../../platform/clock.js';
import type { MerchantDirectory } from '../../platform/merchants.js';
import { clientMetadata } from './domain.js';
import { clientStore, oidcStore, type LoginOidcStateTable } from './store.js';

type Payload = Record<string, unknown>;

export interface AdapterDeps {
  database: DatabaseHandle;
  clock: Clock;
  merchants: MerchantDirectory;
}

const realEpoch = () => Math.floor(Date.now() / 1000);

/** An adapter class per provider (oidc-provider constructs one per model name). */
export function adapterClass(deps: AdapterDeps) {
  const { database, clock, merchants } = deps;

  const toPayload = (row: LoginOidcStateTable | undefined): Payload | undefined => {
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as Payload;
    if (row.consumed_at) payload.consumed = Math.floor(Date.parse(row.consumed_at) / 1000);
    // Expired on the emulator clock: oidc-provider reads `exp` against the real clock, so show it as past.
    if (row.expires_at && clock.now().getTime() >= Date.parse(row.expires_at)) payload.exp = Math.min(Number(payload.exp ?? Infinity), realEpoch() - 1);
    return payload;
  };

  return class DevkitAdapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: Payload, expiresIn: number | undefined): Promise<void> {
      const clientId = typeof payload.clientId === 'string' ? payload.clientId : undefined;
      const row: LoginOidcStateTable = {
        model: this.model,
        id,
        msn: (clientId && merchants.byClient(clientId)?.msn) || null,
        payload: JSON.stringify(payload),
        grant_id: typeof payload.grantId === 'string' ? payload.grantId : null,
        uid: typeof payload.uid === 'string' ? payload.uid : null,
        user_code: typeof payload.userCode === 'string' ? payload.userCode : null,
        consumed_at: null,
        expires_at: expiresIn ? new Date(clock.now().getTime() + expiresIn * 1000).toISOString() : null,
      };
      await database.commands.run((trx) => oidcStore.upsert(trx, row));
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.model === 'Client') {
        const m = merchants.byClient(id);
        if (!m) return undefined;
        return clientMetadata(m, await clientStore.settings(database.db, m.msn));
      }
      return toPayload(await oidcStore.find(database.db, this.model, id));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      return toPayload(await oidcStore.findBy(database.db, this.model, 'uid', uid));
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      return toPayload(await oidcStore.findBy(database.db, this.model, 'user_code', userCode));
    }

    async consume(id: string): Promise<void> {
      await database.commands.run((trx) => oidcStore.consume(trx, this.model, id, clock.now()));
    }

    async destroy(id: string): Promise<void> {
      await database.commands.run((trx) => oidcStore.destroy(trx, this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await database.commands.run((trx) => oidcStore.revokeByGrantId(trx, grantId));
    }
  };
}
