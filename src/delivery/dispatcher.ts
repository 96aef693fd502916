import { isIP } from 'node:net';
import { sql } from 'kysely';
import { Agent, request } from 'undici';
import type { DatabaseHandle } from '../db/open.js';
import type { RequestServerDirectory } from '../environments/request-server-directory.js';
import type { Clock } from '../platform/clock.js';
import type { IdSource } from '../platform/ids.js';
import { GIVE_UP_AFTER_MS, retryDelayMs } from './retry-schedule.js';
import { signWebhookRequest } from './signing.js';

export interface DispatcherOptions {
  database: DatabaseHandle;
  clock: Clock;
  ids: IdSource;
  servers: RequestServerDirectory;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** A receiver must answer within this time (the Webhooks API allows 10 s). */
  timeoutMs?: number;
  /** Divides every retry delay, so that tests and demos need not wait hours. */
  retryCompression?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How often due retries are looked for, in real milliseconds. */
  pollMs?: number;
  /** Injected faults (slow or failing callbacks), consulted before each attempt. */
  faults?: DeliveryFaults;
}

/** A hook for fault injection: a delay before an attempt, or an error recorded instead of sending. */
export interface DeliveryFaults {
  beforeAttempt(target: { url: string; eventType: string }): { delayMs: number; fail?: string } | undefined;
}

interface Claimed {
  id: string;
  event_id: string;
  webhook_id: string;
  event_type: string;
  payload: string;
  attempts: number;
  created_at: string;
  /** The webhook's URL and secret; null for a callback row (which carries its own target). */
  url: string | null;
  secret: string | null;
  target_url?: string | null;
  headers?: string | null;
  max_attempts?: number | null;
  timeout_ms?: number | null;
}

const LEASE_MS = 60_000;
const RESPONSE_SNIPPET = 2_048;

/**
 * Sends what the outbox owes. A delivery is eligible when it is due and no earlier delivery of the
 * same payment to the same webhook is still pending, so a failing event holds back the later
 * ones. A row is marked delivered only after a 2xx: a crash mid-flight means it is sent again
 * (same event id), never that it is lost. Source addresses are those of the active request server.
 */
export class Dispatcher {
  private readonly inFlight = new Set<string>();
  private readonly agents = new Map<string, Agent>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = true;
  private readonly idle: Array<() => void> = [];
  readonly timeoutMs: number;
  readonly retryCompression: number;
  private readonly concurrency: number;

  constructor(private readonly o: DispatcherOptions) {
    this.timeoutMs = o.timeoutMs ?? 10_000;
    this.retryCompression = o.retryCompression ?? 1;
    this.concurrency = o.concurrency ?? 32;
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Leases are for sharing a database between instances; a lone SQLite instance that restarts
    // owns every row, so what it was sending when it died is due again at once.
    if (this.o.database.kind === 'sqlite') await this.o.database.db.updateTable('deliveries').set({ lease_until: null }).where('status', '=', 'pending').execute();
    this.timer = setInterval(() => this.wake(), this.o.pollMs ?? 250);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.ticking || this.inFlight.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await Promise.all([...this.agents.values()].map((a) => a.close()));
    this.agents.clear();
  }

  /** Looks for work now (after a commit that wrote outbox rows, after a clock jump). */
  wake(): void {
    if (this.stopped) return this.settle();
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch((err) => this.o.log.error({ err }, 'delivery dispatcher failed'))
      .finally(() => {
        this.ticking = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        } else this.settle();
      });
  }

  private settle() {
    if (!this.ticking && this.inFlight.size === 0) this.idle.splice(0).forEach((done) => done());
  }

  private async tick(): Promise<void> {
    const room = this.concurrency - this.inFlight.size;
    if (room <= 0) return;
    const now = this.o.clock.now().toISOString();
    const realNow = new Date().toISOString();
    const db = this.o.database.db;
    const due = await db
      .selectFrom('deliveries as d')
      // Webhook rows take URL and secret from their webhook; callback rows (eCom) carry their own target.
      .leftJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.id', 'd.event_id', 'd.webhook_id', 'd.event_type', 'd.payload', 'd.attempts', 'd.created_at', 'w.url', 'w.secret', 'd.target_url', 'd.headers', 'd.max_attempts', 'd.timeout_ms'])
      .where('d.status', '=', 'pending')
      .where((eb) => eb.or([eb('w.id', 'is not', null), eb('d.target_url', 'is not', null)]))
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', realNow)]))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('deliveries as e')
              .select(sql<number>`1`.as('one'))
              .whereRef('e.webhook_id', '=', 'd.webhook_id')
              .whereRef('e.msn', '=', 'd.msn')
              .whereRef('e.reference', '=', 'd.reference')
              .where('e.status', '=', 'pending')
              .whereRef('e.event_seq', '<', 'd.event_seq'),
          ),
        ),
      )
      // The (status, next_attempt_at) index yields rows in this order, so the scan stops as soon
      // as enough eligible rows are found, however long the backlog is.
      .orderBy('d.next_attempt_at')
      .limit(room + this.inFlight.size)
      .execute();
    const candidates = due.filter((row) => !this.inFlight.has(row.id)).slice(0, room);
    if (candidates.length === 0) return;
    // Never tell a merchant about a change that a power cut could still undo.
    await this.o.database.durable();
    // One conditional update claims the whole batch (and shares its commit with other work):
    // rows another instance leased meanwhile are not returned.
    const leaseUntil = new Date(Date.now() + LEASE_MS).toISOString();
    const claimed = await this.o.database.commands.run((trx) =>
      trx
        .updateTable('deliveries')
        .set({ lease_until: leaseUntil })
        .where('id', 'in', candidates.map((c) => c.id))
        .where('status', '=', 'pending')
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', realNow)]))
        .returning('id')
        .execute(),
    );
    const ids = new Set(claimed.map((c) => c.id));
    for (const row of candidates) {
      if (!ids.has(row.id)) continue;
      this.inFlight.add(row.id);
      void this.send(row as Claimed).finally(() => {
        this.inFlight.delete(row.id);
        // A finished delivery may unblock the next event of the same payment.
        this.wake();
      });
    }
  }

  private agentFor(localAddress: string | undefined): Agent {
    const key = localAddress ?? 'default';
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        keepAliveTimeout: 4_000,
        connect: { timeout: this.timeoutMs },
        ...(localAddress ? { localAddress } : {}),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  private async send(d: Claimed): Promise<void> {
    const url = d.target_url ?? d.url ?? '';
    const timeoutMs = d.timeout_ms ?? this.timeoutMs;
    const injected = this.o.faults?.beforeAttempt({ url, eventType: d.event_type });
    if (injected && injected.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, injected.delayMs));
    const source = this.o.servers.deliveryServer();
    const sentAt = this.o.clock.now();
    // Only webhooks are signed; a callback row brings its own headers (eCom: the merchant's authToken).
    const signed = d.secret ? signWebhookRequest(url, d.payload, d.secret, sentAt) : {};
    const own = d.headers ? (JSON.parse(d.headers) as Record<string, string>) : {};
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      ...signed,
      ...own,
      // Lets a receiver (and our own tests) recognise a redelivery of the same event.
      'devkit-event-id': d.event_id,
      'devkit-event-type': d.event_type,
    };
    const target = new URL(url);
    // Loopback targets are reached from the request server's own loopback address; anything else
    // goes out from this machine's normal address (a loopback source cannot reach it).
    const bind = isLoopbackTarget(target.hostname) ? source.address : undefined;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let responseBody: string | null = null;
    if (injected?.fail) error = injected.fail;
    else try {
      const res = await request(target.hostname === 'localhost' ? withHost(target, '127.0.0.1') : url, {
        method: 'POST',
        headers: { ...headers, host: target.host },
        body: d.payload,
        dispatcher: this.agentFor(bind),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      statusCode = res.statusCode;
      responseBody = (await res.body.text()).slice(0, RESPONSE_SNIPPET);
      if (statusCode < 200 || statusCode >= 300) error = `receiver answered ${statusCode}`;
    } catch (err) {
      error = describeError(err, timeoutMs);
    }
    const latencyMs = Math.round(performance.now() - started);
    const attempt = d.attempts + 1;
    const ok = error === null;
    const next = new Date(sentAt.getTime() + retryDelayMs(attempt) / this.retryCompression);
    const outOfAttempts = d.max_attempts != null && attempt >= d.max_attempts;
    const giveUp = !ok && (outOfAttempts || next.getTime() - Date.parse(d.created_at) > GIVE_UP_AFTER_MS / this.retryCompression);
    try {
      await this.o.database.commands.run(async (trx) => {
        await trx
          .insertInto('delivery_attempts')
          .values({
            id: this.o.ids.uuid(),
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
          })
          .execute();
        await trx
          .updateTable('deliveries')
          .set({
            attempts: attempt,
            status: ok ? 'delivered' : giveUp ? 'dropped' : 'pending',
            delivered_at: ok ? sentAt.toISOString() : null,
            next_attempt_at: next.toISOString(),
            last_error: error,
            lease_until: null,
          })
          .where('id', '=', d.id)
          // A webhook deleted meanwhile has dropped the row; it stays dropped.
          .where('status', '=', 'pending')
          .execute();
      });
    } catch (err) {
      this.o.log.error({ err, delivery: d.id }, 'could not record a delivery attempt');
    }
    if (!ok) this.o.log.warn({ delivery: d.id, url, error, attempt }, giveUp ? 'delivery given up' : 'delivery failed, will retry');
  }
}

function isLoopbackTarget(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || (isIP(h) === 4 && h.startsWith('127.'));
}

function withHost(url: URL, host: string): string {
  const copy = new URL(url.href);
  copy.hostname = host;
  return copy.href;
}

function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return `timeout: no answer within ${timeoutMs} ms`;
  return `${e.code ?? 'error'}: ${e.message ?? String(err)}`;
}
