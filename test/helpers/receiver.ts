import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  remoteAddress: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  json: any;
  answered: number;
}

/**
 * A merchant's webhook endpoint on 127.0.0.1 (or `host`): records every request and answers what
 * the test decides (a status, or never, to test timeouts).
 */
export async function startReceiver(decide: (r: Omit<Received, 'answered'>, count: number) => number | 'hang' = () => 200, host = '127.0.0.1') {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const base = {
        at: Date.now(),
        remoteAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        path: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')])),
        body,
        json: safeJson(body),
      };
      const decision = decide(base, received.length);
      if (decision === 'hang') {
        hanging.add(res);
        received.push({ ...base, answered: 0 });
      } else {
        received.push({ ...base, answered: decision });
        res.writeHead(decision, { 'content-type': 'text/plain' }).end(decision < 300 ? 'ok' : 'nope');
      }
      waiters.splice(0).forEach((w) => w());
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/vipps/webhooks') => `http://${host.includes(':') ? `[${host}]` : host}:${port}${path}`,
    received,
    /** Waits until `predicate` holds for what was received (bounded). */
    async until(predicate: (r: Received[]) => boolean, timeoutMs = 10_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${received.map((r) => r.json?.name ?? r.body).join(', ')}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 100);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return received;
    },
    async close() {
      hanging.forEach((res) => res.destroy());
      server.closeAllConnections();
      server.close();
    },
  };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
