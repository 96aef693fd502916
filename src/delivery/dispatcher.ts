import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../db/open.js';
import type { Database } from '../db/schema.js';
import type { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { Clock } from '../platform/clock.js';
import type { IdSource } from '../platform/ids.js';
import type { MerchantHttp } from '../platform/merchant-http.js';
import { LEASE_MS, type OutboxSink } from './outbox.js';
import { GIVE_UP_AFTER_MS, retryDelayMs } from './retry-schedule.js';
import type { PendingDelivery } from './rows.js';
import { signWebhookRequest, type SignedHeaders } from './signing.js';
import { deliveryStore, type AttemptOutcome, type DeliveryAttempt } from './store.js';

export interface DispatcherOptions {
  database: DatabaseHandle;
  clock: Clock;
  ids: IdSource;
  servers: RequestServerDirectory;
  http: MerchantHttp;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** A receiver must answer within this time (the Webhooks API allows 10 s). */
  timeoutMs?: number;
  /** Divides every retry delay, so that tests and demos need not wait hours. */
  retryCompression?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How often due retries (and other instances' rows) are looked for, in real milliseconds. */
  pollMs?: number;
  /** Injected faults (slow or failing callbacks), consulted before each attempt. */
  faults?: DeliveryFaults;
}

/** A hook for fault injection: a delay before an attempt, or an error recorded instead of sending. */
export interface DeliveryFaults {
  beforeAttempt(target: { url: string; eventType: string }): { delayMs: number; fail?: string } | undefined;
}

/** A pending row the dispatcher holds; `leasedUntil` (real ms) when it holds a lease on it. */
interface Held {
  row: PendingDelivery;
  leasedUntil: number | undefined;
}

/** One attempt, sent and waiting to be recorded. */
interface Sent {
  held: Held;
  attempt: DeliveryAttempt;
  outcome: AttemptOutcome;
  /** Set by the record: false when the row had been dropped meanwhile. */
  stuck?: boolean;
}

/**
 * A lone instance's picture of one ordering channel (channel id, MSN, reference): how many of its
 * rows are pending in the table, and the ones held in memory in `event_seq` order. When every
 * pending row is held, the first may go; otherwise the table knows more and the poll decides.
 */
interface Channel {
  webhookId: string;
  msn: string;
  pending: number;
  held: Held[];
}

const RESPONSE_SNIPPET = 2_048;
/** Attempts nothing waits for are recorded with the next batch, or after this long. */
const RECORD_DELAY_MS = 20;
/** Rows a lone instance's poll fetches at least, even when the ready queue is long: retries are not starved. */
const MIN_POLL = 8;
/** A held lease must outlast an attempt by this much, or the row is left to whoever polls after it runs out. */
const LEASE_MARGIN_MS = 5_000;

const channelKey = (r: Pick<PendingDelivery, 'webhook_id' | 'msn' | 'reference'>) => `${r.webhook_id}\n${r.msn}\n${r.reference}`;

/**
 * Sends what the outbox owes. A delivery is eligible when it is due and no earlier delivery of the
 * same channel (webhook, MSN, reference) is still pending, so a failing event holds back the later
 * ones. A row is marked delivered only after a 2xx: a crash mid-flight means it is sent again (same
 * event id), never that it is lost. Loopback targets are called from the active request server.
 *
 * Rows come two ways. The outbox hands over the rows this process wrote, once their command is
 * durable (leased to us since they were written): they are sent at once, with no query. A poll
 * (periodic, and after clock jumps) finds the rest: retries that fell due, rows released to it, and
 * on shared PostgreSQL other instances' rows whose lease ran out.
 *
 * SQLite: this process is the only one, so it claims nothing, and keeps per-channel order in
 * memory (a count of each channel's pending rows, exact because every change to them passes here).
 * PostgreSQL (shared): of the handed-over rows, those this instance can send now keep their lease
 * (extended); a row waiting for an earlier one, and what does not fit in the concurrency window,
 * is let go for any instance's poll, which claims with a lease (`for update skip locked`).
 *
 * Attempts are recorded in batches: every attempt finished while the previous record committed
 * goes into one command.
 */
export class Dispatcher implements OutboxSink {
  readonly timeoutMs: number;
  readonly retryCompression: number;
  private readonly concurrency: number;
  private readonly owner: boolean;
  /** Shared mode: how long a claimed row is ours; long enough for an attempt at the longest timeout. */
  private readonly leaseMs: number;

  private started = false;
  private stopped = false;
  private early: PendingDelivery[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Every row held: ready, waiting in a channel, being sent or being recorded. */
  private readonly known = new Set<string>();
  /** Held rows without a lease (a lone instance's poll claims nothing): the poll finds them again. */
  private unleased = 0;
  private ready: Held[] = [];
  private sending = 0;
  private readonly channels = new Map<string, Channel>();

  private sent: Sent[] = [];
  private urgentRecord = false;
  private ridingRecord = false;
  private recording = 0;
  private readonly records = new Set<Promise<void>>();
  private toRelease: string[] = [];
  private releasing = false;
  /** Signatures made ahead (prepare), by row object: used when the send falls in the same second. */
  private readonly signedAhead = new WeakMap<PendingDelivery, SignedHeaders>();
  private toSign: PendingDelivery[] = [];
  private signing = false;

  private polling = false;
  private pollAgain = false;
  private readonly idle: Array<() => void> = [];

  constructor(private readonly o: DispatcherOptions) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.retryCompression = o.retryCompression ?? 1;
    this.concurrency = o.concurrency ?? 32;
    this.owner = o.database.kind === 'sqlite';
    this.leaseMs = Math.max(LEASE_MS, this.timeoutMs + 2 * LEASE_MARGIN_MS);
  }

  async start(): Promise<void> {
    if (this.owner) {
      // A lone instance owns every row: what it held when it stopped is due again at once. Counted
      // in one command, so rows written before it are counted here and rows after it are handed over.
      await this.o.database.commands.run(async (trx) => {
        await deliveryStore.clearLeases(trx);
        const counts = await deliveryStore.pendingPerChannel(trx);
        this.o.database.commands.afterCommit(trx, () => {
          for (const c of counts) this.channels.set(channelKey(c), { webhookId: c.webhook_id, msn: c.msn, pending: c.n, held: [] });
          this.early = [];
          this.started = true;
        });
      });
    } else {
      this.started = true;
      const early = this.early.splice(0);
      if (early.length > 0) this.written(early);
    }
    this.timer = setInterval(() => this.wake(), this.o.pollMs ?? 250);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.ready = [];
    if (!this.isIdle()) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  // ------------------------------------------------------------------ the outbox's side

  written(rows: readonly PendingDelivery[]): void {
    if (this.stopped) return;
    if (!this.started) {
      this.early.push(...rows);
      return;
    }
    const leasedUntil = rows[0]?.lease_until ? Date.parse(rows[0].lease_until) : undefined;
    if (!this.owner) {
      void this.admitShared(rows.map((row) => ({ row, leasedUntil })));
      return;
    }
    for (const row of [...rows].sort((a, b) => a.event_seq - b.event_seq)) {
      const key = channelKey(row);
      let ch = this.channels.get(key);
      if (!ch) this.channels.set(key, (ch = { webhookId: row.webhook_id, msn: row.msn, pending: 0, held: [] }));
      const complete = ch.held.length === ch.pending;
      ch.pending += 1;
      if (!complete) {
        // An earlier row of the channel is only in the table (a retry, a backlog): the poll orders them.
        this.toRelease.push(row.id);
        continue;
      }
      const held = { row, leasedUntil };
      ch.held.push(held);
      this.known.add(row.id);
      if (ch.held.length === 1) this.ready.push(held);
    }
    this.releaseLater();
    this.pump();
  }

  /**
   * Signs new rows while their command's commit is made durable (the event loop waits for the
   * fsync then): a webhook owed by a lone request goes out the moment it is durable, its HMAC
   * already computed. At most what fits in the window now; a row sent in another second than it
   * was signed in is signed again at send, so what goes out is what signing at send would give.
   */
  prepare(rows: readonly PendingDelivery[]): void {
    if (this.stopped) return;
    let room = this.concurrency - this.sending - this.ready.length - this.toSign.length;
    for (const r of rows) if (r.signing_secret && room-- > 0) this.toSign.push(r);
    if (this.toSign.length === 0 || this.signing) return;
    this.signing = true;
    // Commands run inside the queue's immediate: this one runs in the next loop turn, while the
    // batch's fsync is in the thread pool.
    setImmediate(() => {
      this.signing = false;
      const at = this.o.clock.now();
      for (const r of this.toSign.splice(0)) this.signedAhead.set(r, signWebhookRequest(r.target_url, r.payload, r.signing_secret!, at));
    });
  }

  dropped(channel: string): void {
    this.forget((ch) => ch.webhookId === channel, (r) => r.webhook_id === channel);
  }

  cleared(msn: string | undefined): void {
    this.forget((ch) => msn === undefined || ch.msn === msn, (r) => msn === undefined || r.msn === msn);
  }

  /** Looks for due work now (a clock jump, a request server back up, the periodic timer). */
  wake(): void {
    if (this.stopped || !this.started) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    void this.poll()
      .catch((err) => this.o.log.error({ err }, 'delivery poll failed'))
      .finally(() => {
        this.polling = false;
        if (this.pollAgain && !this.stopped) {
          this.pollAgain = false;
          this.wake();
        } else this.settle();
      });
  }

  // ------------------------------------------------------------------ finding work

  /**
   * Shared mode: of the rows this instance wrote, as many as it can send now go now (their lease
   * extended), unless an earlier row of their channel is pending; the rest are let go at once, for
   * any instance's poll, so that they never wait on an instance that may die before sending them.
   */
  private async admitShared(held: Held[]): Promise<void> {
    this.recording += 1;
    let letGo = false;
    try {
      const room = Math.max(0, this.concurrency - this.sending - this.ready.length);
      const leasedUntil = Date.now() + this.leaseMs;
      // Rows written before start() may come from several commands, each with its own birth lease.
      const byBirth = new Map<string, Held[]>();
      for (const h of held) {
        const birth = h.row.lease_until ?? '';
        const group = byBirth.get(birth);
        if (group) group.push(h);
        else byBirth.set(birth, [h]);
      }
      let left = room;
      for (const [birth, group] of byBirth) {
        const keep = group.slice(0, left).map((h) => h.row.id);
        left -= keep.length;
        const kept = await deliveryStore.admit(this.o.database.db, group.map((h) => h.row.id), birth, keep, new Date(leasedUntil).toISOString());
        if (kept.size < group.length) letGo = true;
        for (const h of group) {
          if (!kept.has(h.row.id) || this.known.has(h.row.id)) continue;
          this.known.add(h.row.id);
          this.ready.push({ row: h.row, leasedUntil });
        }
      }
    } catch (err) {
      // Still leased to us since birth: when that lease runs out, a poll sends them.
      this.o.log.error({ err }, 'could not admit new deliveries');
    } finally {
      this.recording -= 1;
    }
    this.pump();
    if (letGo) this.wake();
    this.settle();
  }

  private async poll(): Promise<void> {
    const room = this.concurrency - this.sending - this.ready.length;
    const now = this.o.clock.now().toISOString();
    const realNow = new Date().toISOString();
    const db = this.o.database.db;
    if (!this.owner) {
      // Claims only what it can send now: a row claimed and left waiting would wait for this
      // instance alone (and for its lease, should it die). Nothing here starves retries: new
      // rows beyond the window go back to the table too, where the oldest due is claimed first.
      if (room <= 0) return;
      const leasedUntil = Date.now() + this.leaseMs;
      const rows = await deliveryStore.claimDue(db, now, realNow, new Date(leasedUntil).toISOString(), room);
      for (const row of rows) {
        if (this.known.has(row.id)) continue;
        this.known.add(row.id);
        this.ready.push({ row, leasedUntil });
      }
      this.pump();
      return;
    }
    // Rows held without a lease come back from the query: ask for that many more.
    const rows = await deliveryStore.due(db, now, realNow, Math.max(MIN_POLL, room) + this.unleased);
    if (rows.length === 0) return;
    // Never tell a merchant about a change that a power cut could still undo.
    await this.o.database.durable();
    for (const row of rows) {
      if (this.known.has(row.id) || this.stopped) continue;
      const key = channelKey(row);
      let ch = this.channels.get(key);
      if (!ch) this.channels.set(key, (ch = { webhookId: row.webhook_id, msn: row.msn, pending: 1, held: [] }));
      // The first pending row of its channel. Something still held there is one whose record has
      // committed but not been processed yet: the next poll after it finds this row again.
      if (ch.held.length > 0) continue;
      const held = { row, leasedUntil: undefined };
      ch.held.push(held);
      this.known.add(row.id);
      this.unleased += 1;
      this.ready.push(held);
    }
    this.pump();
  }

  /** Rows of channels that were dropped or cleared are not sent (one in flight finishes; its record changes nothing). */
  private forget(channel: (ch: Channel) => boolean, row: (r: PendingDelivery) => boolean): void {
    for (const [key, ch] of this.channels) {
      if (!channel(ch)) continue;
      this.channels.delete(key);
      for (const h of ch.held) this.unhold(h);
    }
    for (const h of this.ready) if (row(h.row)) this.unhold(h);
  }

  private unhold(h: Held): void {
    if (this.known.delete(h.row.id) && h.leasedUntil === undefined) this.unleased -= 1;
  }

  // ------------------------------------------------------------------ sending

  private pump(): void {
    while (!this.stopped && this.sending < this.concurrency && this.ready.length > 0) {
      const h = this.ready.shift()!;
      if (!this.known.has(h.row.id)) continue;
      // A lease about to run out could let another instance send it too: leave it to the poll.
      if (!this.owner && h.leasedUntil !== undefined && h.leasedUntil - Date.now() < (h.row.timeout_ms ?? this.timeoutMs) + LEASE_MARGIN_MS) {
        this.unhold(h);
        continue;
      }
      this.sending += 1;
      void this.send(h)
        .catch((err: unknown) => {
          // Anything thrown before the attempt was recorded: the row goes back to the poll.
          this.o.log.error({ delivery: h.row.id, err }, 'delivery attempt failed before sending');
          this.unhold(h);
        })
        .finally(() => {
          this.sending -= 1;
          this.pump();
          this.settle();
        });
    }
  }

  private async send(h: Held): Promise<void> {
    const d = h.row;
    const url = d.target_url;
    const timeoutMs = d.timeout_ms ?? this.timeoutMs;
    const injected = this.o.faults?.beforeAttempt({ url, eventType: d.event_type });
    if (injected && injected.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, injected.delayMs));
    const source = this.o.servers.deliveryServer();
    const sentAt = this.o.clock.now();
    // Signed when the row carries a secret (webhooks); a callback brings its own headers (eCom: the merchant's authToken).
    const ahead = this.signedAhead.get(d);
    const signed = !d.signing_secret ? {} : ahead && ahead['x-ms-date'] === sentAt.toUTCString() ? ahead : signWebhookRequest(url, d.payload, d.signing_secret, sentAt);
    const own = d.headers ? (JSON.parse(d.headers) as Record<string, string>) : {};
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      ...signed,
      ...own,
      // Lets a receiver (and our own tests) recognise a redelivery of the same event.
      'devkit-event-id': d.event_id,
      'devkit-event-type': d.event_type,
    };
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let responseBody: string | null = null;
    if (injected?.fail) error = injected.fail;
    else {
      try {
        const res = await this.o.http.send({ method: 'POST', url, headers, body: d.payload, timeoutMs, source: source.address });
        if (res.error !== undefined) error = res.error;
        else {
          statusCode = res.status;
          responseBody = res.body.slice(0, RESPONSE_SNIPPET);
          if (statusCode < 200 || statusCode >= 300) error = `receiver answered ${statusCode}`;
        }
      } catch (err) {
        // A fault in the client costs this attempt (recorded, retried), never the process.
        error = `not sent: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    const latencyMs = Math.round(performance.now() - started);
    const attempt = d.attempts + 1;
    const ok = error === null;
    const next = new Date(sentAt.getTime() + retryDelayMs(attempt) / this.retryCompression);
    const outOfAttempts = d.max_attempts != null && attempt >= d.max_attempts;
    const giveUp = !ok && (outOfAttempts || next.getTime() - Date.parse(d.created_at) > GIVE_UP_AFTER_MS / this.retryCompression);
    if (!ok) this.o.log.warn({ delivery: d.id, url, error, attempt }, giveUp ? 'delivery given up' : 'delivery failed, will retry');
    this.sent.push({
      held: h,
      attempt: {
        id: this.o.ids.uuidv7(),
        delivery_id: d.id,
        attempt,
        at: sentAt.toISOString(),
        source_environment: source.environment,
        source_hostname: source.hostname,
        source_address: source.address,
        url,
        request_headers: JSON.stringify(headers),
        status_code: statusCode,
        latency_ms: latencyMs,
        error,
        response_body: responseBody,
      },
      outcome: {
        attempts: attempt,
        status: ok ? 'delivered' : giveUp ? 'dropped' : 'pending',
        deliveredAt: ok ? sentAt.toISOString() : null,
        nextAttemptAt: next.toISOString(),
        lastError: error,
      },
    });
    this.recordLater(this.waitedFor(h.row));
  }

  // ------------------------------------------------------------------ recording

  /**
   * Resolves once every attempt that has finished so far is recorded (the delivery log reads
   * after it): attempts waiting to ride along with a later batch are recorded now.
   */
  async recordedSoFar(): Promise<void> {
    if (this.sent.length > 0) this.recordLater(true);
    await Promise.all([...this.records]);
  }

  /**
   * Whether anything waits for this row's record: a later row of its channel (held here, or in
   * the table for a poll). Shared mode cannot know another instance's rows: a final outcome may
   * unblock one.
   */
  private waitedFor(row: PendingDelivery): boolean {
    if (this.stopped) return true;
    if (!this.owner) return true;
    const ch = this.channels.get(channelKey(row));
    return ch !== undefined && ch.pending > 1;
  }

  /**
   * One command records every attempt finished by the time it runs. When nothing waits for
   * them, it rides along with the next batch (src/db/command-queue.ts runSoon): no commit and no
   * sync of its own, and the next API request's batch is not held up behind one.
   */
  private recordLater(urgent: boolean): void {
    if (urgent ? this.urgentRecord : this.urgentRecord || this.ridingRecord) return;
    if (urgent) this.urgentRecord = true;
    else this.ridingRecord = true;
    this.recording += 1;
    let batch: Sent[] = [];
    let ran = false;
    const settleFlag = () => {
      if (urgent) this.urgentRecord = false;
      else this.ridingRecord = false;
    };
    const command = async (trx: Transaction<Database>) => {
      // Attempts finished from here on go into the next command. (A batch that rolls back runs
      // its commands again: the same attempts then.)
      if (!ran) {
        ran = true;
        settleFlag();
        batch = this.sent.splice(0);
      }
      for (const s of batch) s.stuck = await deliveryStore.record(trx, s.attempt, s.outcome);
    };
    const record = (urgent ? this.o.database.commands.run(command) : this.o.database.commands.runSoon(command, RECORD_DELAY_MS))
      .then(
        () => this.recorded(batch),
        (err) => {
          this.o.log.error({ err, deliveries: batch.map((s) => s.attempt.delivery_id) }, 'could not record delivery attempts');
          this.unrecorded(batch);
        },
      )
      .finally(() => {
        // A command that never ran (its batch failed first) leaves its attempts to the next one.
        if (!ran) settleFlag();
        if (this.sent.length > 0) this.recordLater(this.sent.some((x) => this.waitedFor(x.held.row)));
        this.recording -= 1;
        this.records.delete(record);
        this.pump();
        this.settle();
      });
    this.records.add(record);
  }

  /** After the records committed: the next row of each channel may go. */
  private recorded(batch: Sent[]): void {
    let pollSoon = false;
    for (const s of batch) {
      const { row } = s.held;
      const final = s.outcome.status !== 'pending';
      this.unhold(s.held);
      if (!this.owner) {
        // Its successor (ours or another instance's) waits in the table for a poll.
        if (final) pollSoon = true;
        continue;
      }
      const key = channelKey(row);
      const ch = this.channels.get(key);
      // Dropped or cleared meanwhile (the key may even be a new channel's by now).
      if (!ch || ch.held[0] !== s.held) continue;
      ch.held.shift();
      if (s.stuck && final) ch.pending -= 1;
      if (ch.held.length > 0 && ch.held.length === ch.pending) {
        this.ready.push(ch.held[0]!);
        continue;
      }
      // A retry (or rows only the table knows) comes first now: the table orders the rest.
      for (const h of ch.held) {
        this.unhold(h);
        this.toRelease.push(h.row.id);
      }
      ch.held = [];
      if (ch.pending <= 0) this.channels.delete(key);
      else pollSoon = true;
    }
    this.releaseLater();
    if (pollSoon) this.wake();
  }

  /** The record failed: nothing is known of these rows' state, so memory decides nothing for their channels again. */
  private unrecorded(batch: Sent[]): void {
    for (const s of batch) {
      this.unhold(s.held);
      if (!this.owner) continue;
      const ch = this.channels.get(channelKey(s.held.row));
      if (!ch || ch.held[0] !== s.held) continue;
      for (const h of ch.held) this.unhold(h);
      // Leases run out, and the poll finds them; a channel never complete again is only slower.
      ch.held = [];
      ch.pending = Number.POSITIVE_INFINITY;
    }
  }

  /** Lets go of rows for the poll to find (one command for all released meanwhile). */
  private releaseLater(): void {
    if (this.releasing || this.toRelease.length === 0) return;
    this.releasing = true;
    const ids = this.toRelease.splice(0);
    this.o.database.commands
      .run((trx) => deliveryStore.release(trx, ids))
      .catch((err) => this.o.log.error({ err }, 'could not release deliveries'))
      .finally(() => {
        this.releasing = false;
        this.releaseLater();
        this.wake();
        this.settle();
      });
  }

  // ------------------------------------------------------------------ stopping

  private isIdle(): boolean {
    return this.sending === 0 && this.recording === 0 && !this.polling && !this.releasing;
  }

  private settle(): void {
    if (this.isIdle()) this.idle.splice(0).forEach((done) => done());
  }
}
