import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { TestEmulator } from '../../helpers/emulator.js';

/** Checkout's own headers: the raw keys, no access token. */
export const checkoutHeaders = (emu: TestEmulator) => ({
  client_id: emu.merchant.clientId,
  client_secret: emu.merchant.clientSecret,
  'ocp-apim-subscription-key': emu.merchant.subscriptionKey,
  'merchant-serial-number': emu.merchant.msn,
});

export const newReference = () => `co-${randomUUID().slice(0, 20)}`;

export function sessionBody(reference: string, receiver: { callbackUrl: string; dynamicUrl?: string }, overrides: Record<string, unknown> = {}) {
  return {
    merchantInfo: { callbackUrl: receiver.callbackUrl, returnUrl: 'http://127.0.0.1:9/shop/return', callbackAuthorizationToken: 'secret-callback-token-1' },
    transaction: { amount: { value: 20000, currency: 'NOK' }, reference, paymentDescription: 'One pair of socks' },
    logistics: {
      ...(receiver.dynamicUrl ? { dynamicOptionsCallback: receiver.dynamicUrl } : {}),
      fixedOptions: [
        { brand: 'POSTEN', amount: { value: 5000, currency: 'NOK' }, id: 'posten-home', priority: 1, isDefault: true, type: 'HOME_DELIVERY' },
        { brand: 'POSTEN', amount: { value: 3000, currency: 'NOK' }, id: 'posten-pickup', priority: 2, isDefault: false, type: 'PICKUP_POINT' },
      ],
    },
    ...overrides,
  };
}

export async function createSession(emu: TestEmulator, body: unknown) {
  return emu.call('POST', '/checkout/v3/session', { anonymous: true, headers: checkoutHeaders(emu), body });
}

export async function getSession(emu: TestEmulator, reference: string) {
  return emu.call('GET', `/checkout/v3/session/${reference}`, { anonymous: true, headers: checkoutHeaders(emu) });
}

export interface ShopRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/**
 * A shop's backend on 127.0.0.1: answers the dynamic shipping callback with `dynamicOptions` (or
 * a status), and records the session callbacks it gets.
 */
export async function startShop(o: { dynamicOptions?: unknown; dynamicStatus?: number } = {}) {
  const received: ShopRequest[] = [];
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
      received.push({ path: req.url ?? '', headers: req.headers, json });
      if (req.url?.startsWith('/shipping')) {
        res.writeHead(o.dynamicStatus ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(o.dynamicOptions ?? []));
      } else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    callbackUrl: `http://127.0.0.1:${port}/callback`,
    dynamicUrl: `http://127.0.0.1:${port}/shipping`,
    returnUrl: `http://127.0.0.1:${port}/shop/return`,
    callbacks: () => received.filter((r) => r.path === '/callback'),
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Posts one of the hosted page's forms as a browser on the emulator's own origin would. */
export async function pageForm(emu: TestEmulator, path: string, fields: Record<string, string>) {
  return fetch(`${emu.url}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: emu.url }, body: new URLSearchParams(fields).toString() });
}
