import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookRequest } from '../delivery/signing.js';

export interface ReceivedWebhook {
  /** The URL as the sender signed it (this receiver's URL with the request's path). */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any;
  /** Whether the HMAC signature checks out with `secret` (false while no secret is set). */
  verified: boolean;
  receivedAt: Date;
}

export interface WebhookReceiver {
  /** Register this URL with the Webhooks API (or as an eCom callback prefix). */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly received: readonly ReceivedWebhook[];
  /** The secret the Webhooks API returned at registration: signatures are checked with it. */
  secret: string | undefined;
  /** Resolves with the first request (already received or still to come) for which `match` holds. */
  waitFor(match: (w: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/**
 * A merchant's webhook endpoint for tests, on 127.0.0.1 and a free port: records every request,
 * checks its signature as a merchant must (x-ms-date, x-ms-content-sha256, HMAC-SHA256), and
 * answers `status` (default 200).
 */
export async function startWebhookReceiver(options: { secret?: string; path?: string; status?: (w: ReceivedWebhook) => number } = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  let base = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const url = `${base}${req.url ?? '/'}`;
      const w: ReceivedWebhook = { url, headers, body, json, verified: receiver.secret !== undefined && verifyWebhookRequest(url, body, receiver.secret, headers), receivedAt: new Date() };
      received.push(w);
      res.writeHead(options.status?.(w) ?? 200, { 'content-type': 'text/plain' }).end('ok');
      for (const wake of [...waiters]) wake();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const receiver: WebhookReceiver = {
    url: `${base}${options.path ?? '/vipps/webhooks'}`,
    received,
    secret: options.secret,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching webhook within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}
