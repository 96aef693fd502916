import { randomUUID } from 'node:crypto';
import type { DatabaseConfig } from '../../src/db/open.js';
import type { Merchant } from '../../src/platform/merchants.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/server/emulator.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as is, for malformed-body tests. */
  rawBody?: string;
  headers?: Record<string, string | undefined>;
  idempotencyKey?: string;
  /** Leave out the merchant's auth headers. */
  anonymous?: boolean;
}

export interface TestEmulator extends Emulator {
  merchant: Merchant;
  token: string;
  /** Calls the emulator over real HTTP as the seeded merchant. */
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<ApiResponse<T>>;
  fetchToken(merchant?: Merchant): Promise<string>;
  createPayment(overrides?: Record<string, unknown>): Promise<{ reference: string; response: ApiResponse }>;
}

export async function http<T = any>(url: string, init: RequestInit): Promise<ApiResponse<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body, text };
}

export async function startTestEmulator(options: Partial<EmulatorOptions> & { database?: DatabaseConfig } = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({
    database: options.database ?? { kind: 'sqlite', file: ':memory:' },
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    ...options,
  });
  const merchant = emulator.ctx.merchants.all()[0]!;

  const fetchToken = async (m: Merchant = merchant) => {
    const res = await http(`${emulator.url}/accesstoken/get`, {
      method: 'POST',
      headers: { client_id: m.clientId, client_secret: m.clientSecret, 'Ocp-Apim-Subscription-Key': m.subscriptionKey },
    });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
    return res.body.access_token as string;
  };
  const token = await fetchToken();

  const call = <T>(method: string, path: string, o: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    if (!o.anonymous) {
      headers.authorization = `Bearer ${token}`;
      headers['ocp-apim-subscription-key'] = merchant.subscriptionKey;
      headers['merchant-serial-number'] = merchant.msn;
    }
    if (o.body !== undefined || o.rawBody !== undefined) headers['content-type'] = 'application/json';
    if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
    for (const [k, v] of Object.entries(o.headers ?? {})) {
      if (v === undefined) delete headers[k.toLowerCase()];
      else headers[k.toLowerCase()] = v;
    }
    return http<T>(`${emulator.url}${path}`, {
      method,
      headers,
      ...(o.rawBody !== undefined ? { body: o.rawBody } : o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
    });
  };

  const createPayment = async (overrides: Record<string, unknown> = {}) => {
    const reference = (overrides.reference as string) ?? `order-${randomUUID().slice(0, 18)}`;
    const response = await call('POST', '/epayment/v1/payments', {
      idempotencyKey: randomUUID(),
      body: {
        amount: { currency: 'NOK', value: 1000 },
        paymentMethod: { type: 'WALLET' },
        reference,
        userFlow: 'WEB_REDIRECT',
        returnUrl: 'https://shop.example/return',
        paymentDescription: 'Socks',
        ...overrides,
      },
    });
    return { reference, response };
  };

  return Object.assign(emulator, { merchant, token, call, fetchToken, createPayment });
}

export const newKey = () => randomUUID();
