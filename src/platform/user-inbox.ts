/**
 * The simulated Vipps app's inbox: which test user's app each payment request was sent to, and
 * the interface through which the user side meets the APIs. An API whose payments reach the app
 * registers a `PaymentRequestProvider` (`platform.inbox.register(...)` in its module's start);
 * the landing page, the app and the control API list and act on requests through the providers
 * and the neutral `PaymentRequestView`, never through an API's tables or types.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DatabaseHandle } from '../db/open.js';
import { prepared } from '../db/prepared.js';
import type { Database } from '../db/schema.js';
import type { Clock } from './clock.js';
import type { TestUser } from './test-users.js';

type Db = Kysely<Database> | Transaction<Database>;

/** How a request reached the user's app. */
export type InboxVia = 'PUSH_MESSAGE' | 'LANDING' | 'APP_SWITCH' | 'QR' | 'CONTROL_API';

/** The state of a payment request as the user sees it (whatever the API calls its states). */
export type RequestState = 'CREATED' | 'AUTHORIZED' | 'ABORTED' | 'EXPIRED' | 'TERMINATED';

/** How the request reaches the user: the browser's landing page, a switch to the app, a push, a QR code. */
export type RequestFlow = 'WEB_REDIRECT' | 'NATIVE_REDIRECT' | 'PUSH_MESSAGE' | 'QR';

/** An amount in minor units (øre). */
export interface RequestAmount {
  currency: string;
  value: number;
}

/** A shipping method the user can pick when approving an express checkout. */
export interface ShippingChoice {
  id: string;
  name: string;
  price: RequestAmount;
  isDefault: boolean;
}

/**
 * A request's key in the inbox: unique per MSN across every API. A provider's keys start with its
 * `keyPrefix` (ePayment: the reference itself; eCom: `ecom/<orderId>`, decision 82).
 */
export interface InboxKey {
  msn: string;
  key: string;
}

/** A payment request as the user-side pages show it, whichever API it belongs to. */
export interface PaymentRequestView {
  /** The provider (module) the request belongs to. */
  api: string;
  /** Its key in the inbox (see `InboxKey`). */
  key: string;
  msn: string;
  /** The merchant's reference (ePayment reference, eCom orderId). */
  reference: string;
  /** As the user sees it; a CREATED request past `expiresAt` shows as expired (`visibleState`). */
  state: RequestState;
  amount: RequestAmount;
  description?: string;
  /** ISO instant until which the user may act. */
  expiresAt: string;
  /** The token of the payment's links (landing page, app switch, QR), unguessable. */
  token: string;
  /** Where the browser goes back to after the user acted, when a browser can follow it. */
  returnUrl?: string;
  flow: RequestFlow;
  /** The customer's MSISDN as the merchant gave it (pre-fills the phone number field). */
  customerPhoneNumber?: string;
  /** The QR image asked for (flow QR): IMAGE/SVG+XML, IMAGE/PNG (with a size) or TEXT/TARGETURL. */
  qrFormat?: { format: string; size?: number | null };
  /** The last failed approval (a test amount): the request keeps waiting. */
  lastDecline?: { reason: string; message: string };
  /** Capability: the user picks a shipping method when approving (express checkout); see `shippingOptions`. */
  shipping?: true;
  /**
   * Capability: a consent the user gave the merchant to remember them, which the user may remove
   * from the app's history (`removeConsent`). `phoneNumber` is the user who acted on the request;
   * `removable` whether the merchant can be asked to forget them.
   */
  consent?: { phoneNumber: string; removable: boolean };
  /**
   * Capability: the request is a standing agreement (a subscription) rather than one payment. The
   * user accepts its terms (the initial charge, if any, is `amount`); AUTHORIZED then means the
   * agreement is active, and the app lists it until it ends (`PaymentRequestProvider.stop`).
   */
  agreement?: AgreementTerms;
  /**
   * A login (Vipps Login, CIBA), not a payment: the app asks the user to confirm the login, showing
   * the binding message and the profile data the merchant asks for that the user has not shared
   * with it yet (`consents`, as the app words them). `amount` is zero and not shown.
   */
  login?: { bindingMessage?: string; consents: string[] };
}

/** The terms of an agreement as the landing page and the app show them. */
export interface AgreementTerms {
  productName: string;
  productDescription?: string;
  /** The price as the app words it: "99 kr every month", "up to 300 kr every month". */
  price: string;
  /** A campaign's explanation ("Ordinary price 399 kr starts 6/12/2022"). */
  campaign?: string;
  /** What the user pays now to start it (the initial charge). */
  initialCharge?: { amount: RequestAmount; description: string };
  /** Where the user manages it at the merchant. */
  manageUrl: string;
  /** The agreement has ended after being active (stopped by the merchant or the user). */
  stopped?: true;
  /**
   * Its charges as the app shows them, soonest upcoming first, then the latest: a charge is seen
   * from the time it is due soon (not while the merchant has only scheduled it far ahead).
   */
  charges?: AgreementCharge[];
}

/** One charge of an agreement, in the app's words. */
export interface AgreementCharge {
  id: string;
  description: string;
  amount: RequestAmount;
  /** The due date, `YYYY-MM-DD`. */
  due: string;
  status: 'upcoming' | 'processing' | 'reserved' | 'charged' | 'refunded' | 'failed' | 'cancelled';
  /** The instants of its failed attempts, oldest first: each is a notification in the app. */
  failedAttempts: string[];
  /** While it is still tried after a failed attempt: when next. */
  nextAttempt?: string;
  /** Why it failed for good (status failed), as the app tells the user. */
  failure?: string;
}

/** One request in a user's app: the inbox while it waits, the history afterwards. */
export interface InboxEntry {
  request: PaymentRequestView;
  phoneNumber: string;
  via: InboxVia;
  sentAt: string;
}

/** What the user filled in when approving in the app (the PIN is checked by the page). */
export interface DecisionForm {
  shippingMethodId?: string;
}

/** The outcome of a user's action: refused with the status and the text the app shows, or done. */
export type UserActionResult = { ok: true } | { ok: false; status: number; message: string };

/**
 * What an API gives the user side. Reads return views; actions run as the API's own commands
 * (one transaction each) and answer with what the page shows.
 */
export interface PaymentRequestProvider {
  /** The module's name; the `api` of its views. */
  readonly name: string;
  /** Every inbox key of this provider starts with it ('' for one API at most; the longest prefix wins). */
  readonly keyPrefix: string;
  /** The request behind a link's token, or undefined when the token is not one of this API's. */
  byToken(token: string): Promise<PaymentRequestView | undefined>;
  /** The requests behind inbox keys (of this provider), in any order; keys without a payment are left out. */
  load(keys: readonly InboxKey[]): Promise<PaymentRequestView[]>;
  /** The user approves (PIN already checked) or rejects in the app. */
  decide(request: PaymentRequestView, decision: 'approve' | 'reject', user: TestUser, form: DecisionForm): Promise<UserActionResult>;
  /** "Cancel" on the landing page, before anyone's app got the request. */
  cancel(request: PaymentRequestView): Promise<UserActionResult>;
  /** Called in the command that puts the request into a user's app (e.g. eCom's second five minutes). */
  sentToApp?(trx: Transaction<Database>, request: PaymentRequestView): Promise<void>;
  /** Express checkout: the shipping methods offered to this user, or the text the app shows instead. */
  shippingOptions?(request: PaymentRequestView, user: TestUser): Promise<{ ok: true; options: ShippingChoice[] } | { ok: false; message: string }>;
  /** "Remove consent" in the app's history. */
  removeConsent?(request: PaymentRequestView, user: TestUser): Promise<{ ok: boolean; message: string }>;
  /** An active agreement (`agreement` capability): the user ends it from the app's list of agreements. */
  stop?(request: PaymentRequestView, user: TestUser): Promise<UserActionResult>;
  /** The test user is deleted (their Vipps profile), in the deleting command: end what was theirs (Recurring stops their agreements). */
  userDeleted?(trx: Transaction<Database>, phoneNumber: string): Promise<void>;
}

// Written by every PUSH_MESSAGE create: prepared (src/db/prepared.ts). The column `reference` holds the inbox key.
const MOVE = prepared('update app_requests set phone_number = ?, via = ?, sent_at = ? where msn = ? and reference = ?');
const INSERT = prepared('insert into app_requests (msn, reference, phone_number, via, sent_at) values (?, ?, ?, ?, ?)');

/** The table `app_requests`: one row per request that reached an app. Inside a command pass its transaction. */
export const inboxStore = {
  /** Sends the request to a user's app; a request sent again (another number) moves to that user. */
  async deliver(db: Db, at: InboxKey, phoneNumber: string, via: InboxVia, now: Date): Promise<void> {
    const sentAt = now.toISOString();
    if ((await MOVE.run(db, [phoneNumber, via, sentAt, at.msn, at.key])) === 0) {
      await INSERT.run(db, [at.msn, at.key, phoneNumber, via, sentAt]);
    }
  },

  async recipient(db: Db, at: InboxKey): Promise<string | undefined> {
    const row = await db.selectFrom('app_requests').select('phone_number').where('msn', '=', at.msn).where('reference', '=', at.key).executeTakeFirst();
    return row?.phone_number;
  },

  /** A user's rows, newest first. */
  async forUser(db: Db, phoneNumber: string, limit: number): Promise<Array<InboxKey & { phoneNumber: string; via: InboxVia; sentAt: string }>> {
    const rows = await db
      .selectFrom('app_requests')
      .select(['msn', 'reference', 'phone_number', 'via', 'sent_at'])
      .where('phone_number', '=', phoneNumber)
      .orderBy('sent_at', 'desc')
      .orderBy('msn')
      .orderBy('reference')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ msn: r.msn, key: r.reference, phoneNumber: r.phone_number, via: r.via as InboxVia, sentAt: r.sent_at }));
  },

  async removeUser(db: Db, phoneNumber: string): Promise<void> {
    await db.deleteFrom('app_requests').where('phone_number', '=', phoneNumber).execute();
  },
};

/**
 * The inbox and its providers. The table is reset with the user side's module (it owns
 * `app_requests` in the registry); keys stay as they were before providers existed.
 */
export class UserInbox {
  private readonly registered: PaymentRequestProvider[] = [];

  constructor(private readonly deps: { database: DatabaseHandle; clock: Clock }) {}

  /** Called by an API's module in its start. */
  register(provider: PaymentRequestProvider): void {
    if (this.registered.some((p) => p.name === provider.name)) throw new Error(`payment-request provider ${provider.name} registered twice`);
    if (this.registered.some((p) => p.keyPrefix === provider.keyPrefix)) throw new Error(`inbox key prefix '${provider.keyPrefix}' of ${provider.name} is taken`);
    this.registered.push(provider);
  }

  providers(): readonly PaymentRequestProvider[] {
    return this.registered;
  }

  /** The provider a request came from. */
  providerOf(request: Pick<PaymentRequestView, 'api'>): PaymentRequestProvider {
    const provider = this.registered.find((p) => p.name === request.api);
    if (!provider) throw new Error(`no payment-request provider ${request.api}`);
    return provider;
  }

  /** The provider whose keys a key is: the longest matching prefix. */
  private providerOfKey(key: string): PaymentRequestProvider | undefined {
    let best: PaymentRequestProvider | undefined;
    for (const p of this.registered) if (key.startsWith(p.keyPrefix) && (!best || p.keyPrefix.length > best.keyPrefix.length)) best = p;
    return best;
  }

  /** The request behind a link's token, whichever API minted it. */
  async byToken(token: string): Promise<PaymentRequestView | undefined> {
    for (const provider of this.registered) {
      const found = await provider.byToken(token);
      if (found) return found;
    }
    return undefined;
  }

  /** Puts a request into a user's app inside the caller's command (an API's create, a control-API decision). */
  deliver(trx: Transaction<Database>, at: InboxKey, phoneNumber: string, via: InboxVia): Promise<void> {
    return inboxStore.deliver(trx, at, phoneNumber, via, this.deps.clock.now());
  }

  /** Sends a request to a user's app as its own command (landing page, app switch, scan), telling its provider. */
  send(request: PaymentRequestView, phoneNumber: string, via: InboxVia): Promise<void> {
    const provider = this.providerOf(request);
    return this.deps.database.commands.run(async (trx) => {
      await this.deliver(trx, { msn: request.msn, key: request.key }, phoneNumber, via);
      await provider.sentToApp?.(trx, request);
    });
  }

  /** The phone number whose app holds the request, if it was sent to one. */
  async recipient(at: InboxKey): Promise<string | undefined> {
    return inboxStore.recipient(this.deps.database.db, at);
  }

  /** Every request a user's app has received, newest first: the inbox (still waiting) and the history. */
  async forUser(phoneNumber: string, limit = 200): Promise<InboxEntry[]> {
    const rows = await inboxStore.forUser(this.deps.database.db, phoneNumber, limit);
    const byProvider = new Map<PaymentRequestProvider, InboxKey[]>();
    for (const row of rows) {
      const provider = this.providerOfKey(row.key);
      if (!provider) continue;
      const keys = byProvider.get(provider) ?? [];
      keys.push({ msn: row.msn, key: row.key });
      byProvider.set(provider, keys);
    }
    const views = new Map<string, PaymentRequestView>();
    const id = (at: InboxKey) => `${at.msn}\u0000${at.key}`;
    await Promise.all(
      [...byProvider].map(async ([provider, keys]) => {
        for (const view of await provider.load(keys)) views.set(id(view), view);
      }),
    );
    return rows.flatMap((r) => {
      const request = views.get(id(r));
      return request ? [{ request, phoneNumber: r.phoneNumber, via: r.via, sentAt: r.sentAt }] : [];
    });
  }

  /** A deleted test user's app goes with them (in the deleting command), after each API has ended what was theirs. */
  async removeUser(trx: Transaction<Database>, phoneNumber: string): Promise<void> {
    for (const provider of this.registered) await provider.userDeleted?.(trx, phoneNumber);
    await inboxStore.removeUser(trx, phoneNumber);
  }
}
