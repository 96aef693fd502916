import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MerchantRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  remoteAddress: string;
  body: string;
  json: any;
}

export interface ShippingOptionBody {
  isDefault: 'Y' | 'N';
  priority?: number;
  shippingCost: number;
  shippingMethod: string;
  shippingMethodId: string;
}

/**
 * A merchant's eCom endpoints on 127.0.0.1: records callbacks, consent removals and shipping-details
 * requests, and answers shipping details with `shippingOptions` (or hangs past `shippingDelayMs`).
 */
export async function startMerchant(o: { shippingOptions?: ShippingOptionBody[]; shippingDelayMs?: number; callbackStatus?: number } = {}) {
  const received: MerchantRequest[] = [];
  const state = { shippingOptions: o.shippingOptions ?? DEFAULT_OPTIONS, shippingDelayMs: o.shippingDelayMs ?? 0, callbackStatus: o.callbackStatus ?? 200 };
  const timers = new Set<NodeJS.Timeout>();
  /** Woken on every request, so that `until` looks again as soon as something arrived. */
  const waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let json: any;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const r: MerchantRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')])),
        remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        body,
        json,
      };
      received.push(r);
      waiters.splice(0).forEach((wake) => wake());
      if (r.path.endsWith('/shippingDetails')) {
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ addressId: json?.addressId, orderId: r.path.split('/').at(-2), shippingDetails: state.shippingOptions }));
        };
        if (state.shippingDelayMs > 0) {
          const t = setTimeout(answer, state.shippingDelayMs);
          timers.add(t);
        } else answer();
        return;
      }
      res.writeHead(r.method === 'DELETE' ? 200 : state.callbackStatus, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    state,
    received,
    callbacks: (orderId?: string) => received.filter((r) => r.method === 'POST' && /\/v2\/payments\/[^/]+$/.test(r.path) && (!orderId || r.path.endsWith(`/${orderId}`))),
    shippingRequests: () => received.filter((r) => r.path.endsWith('/shippingDetails')),
    consentRemovals: () => received.filter((r) => r.method === 'DELETE'),
    /** Waits until `predicate` holds, looking again at each request that arrives (bounded). */
    async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`merchant: condition not met in ${timeoutMs} ms; got ${received.map((r) => `${r.method} ${r.path}`).join(', ')}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    async close() {
      timers.forEach((t) => clearTimeout(t));
      server.closeAllConnections();
      server.close();
    },
  };
}

export const DEFAULT_OPTIONS: ShippingOptionBody[] = [
  { isDefault: 'N', priority: 2, shippingCost: 199, shippingMethod: 'Running', shippingMethodId: '321abc' },
  { isDefault: 'Y', priority: 1, shippingCost: 99, shippingMethod: 'Walking', shippingMethodId: '123abc' },
];
