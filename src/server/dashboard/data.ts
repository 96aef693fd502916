import { deliveryStore } from '../../delivery/store.js';
import type { ActivityItem } from '../../platform/activity.js';
import type { DeliveryRow } from '../../web/dashboard/parts.js';
import type { AppContext } from '../context.js';
import { deliveryLogView } from '../control/delivery-routes.js';

type LogView = ReturnType<typeof deliveryLogView>;

/** The delivery log's deliveries with their attempts, as the pages show them. */
export function deliveryRows(log: LogView): DeliveryRow[] {
  const byDelivery = new Map<string, LogView['attempts']>();
  for (const a of log.attempts) byDelivery.set(a.deliveryId, [...(byDelivery.get(a.deliveryId) ?? []), a]);
  return log.deliveries.map((d) => ({
    id: d.id,
    eventType: d.eventType,
    webhookId: d.webhookId,
    reference: d.reference,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    deliveredAt: d.deliveredAt,
    lastError: d.lastError,
    log: (byDelivery.get(d.id) ?? []).map((a) => ({
      attempt: a.attempt,
      at: a.at,
      url: a.request.url,
      status: a.response?.status ?? null,
      latencyMs: a.latencyMs,
      error: a.error,
      from: `${a.source.hostname} (${a.source.address})`,
      requestBody: a.request.body,
      responseBody: a.response?.body ?? null,
    })),
  }));
}

/** The newest deliveries (optionally of one reference), every attempt of each. */
export async function latestDeliveries(ctx: AppContext, limit: number, reference?: string): Promise<DeliveryRow[]> {
  await ctx.dispatcher.recordedSoFar();
  await ctx.database.durable();
  const log = await deliveryStore.log(ctx.database.db, { limit, newest: true, ...(reference ? { reference } : {}) });
  return deliveryRows(deliveryLogView(log.deliveries, log.attempts));
}

/** Every object of every kind (up to `perKind` each) by `kind msn id`, with its state: before and after a clock jump. */
export async function snapshot(ctx: AppContext, perKind = 500): Promise<Map<string, ActivityItem>> {
  const out = new Map<string, ActivityItem>();
  for (const source of ctx.activity.sources()) {
    for (const item of await source.list({ limit: perKind })) out.set(`${item.kind} ${item.msn} ${item.id}`, item);
  }
  return out;
}

/** What changed state between two snapshots. */
export function changedBetween(before: Map<string, ActivityItem>, after: Map<string, ActivityItem>): Array<{ item: ActivityItem; before: string }> {
  const changed: Array<{ item: ActivityItem; before: string }> = [];
  for (const [key, item] of after) {
    const was = before.get(key);
    if (was && was.state !== item.state) changed.push({ item, before: was.state });
  }
  return changed;
}

/** A small in-memory store of what to show after a redirect (Post/Redirect/Get): a notice, a clock report. */
export class Flash<T> {
  private readonly entries = new Map<string, T>();
  private next = 0;
  constructor(private readonly max = 50) {}
  put(value: T): string {
    const id = `${Date.now().toString(36)}${(this.next++).toString(36)}`;
    this.entries.set(id, value);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(key);
    }
    return id;
  }
  get(id: string | undefined): T | undefined {
    return id ? this.entries.get(id) : undefined;
  }
}
