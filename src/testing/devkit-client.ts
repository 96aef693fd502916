/**
 * Typed helpers for a test suite, over the emulator's control API and its public APIs: the same
 * HTTP a merchant's tests would send, so they work the same against an emulator started in the
 * suite (`startEmulator`) and one started beside it (`connectEmulator('http://127.0.0.1:8765')`).
 */

export interface MerchantCredentials {
  msn: string;
  clientId: string;
  clientSecret: string;
  subscriptionKey: string;
}

/** One attempt of the delivery log (`GET /devkit/v1/deliveries`). */
export interface DeliveryAttemptView {
  id: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  webhookId: string;
  reference: string;
  attempt: number;
  at: string;
  source: { environment: string; hostname: string; address: string };
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  /** null when nothing answered (refused, timed out). */
  response: { status: number; body: string | null } | null;
  latencyMs: number;
  error: string | null;
}

export interface DevkitClient {
  readonly url: string;
  /** The first test merchant's credentials (as `GET /devkit/v1/merchants` gives them). */
  merchant(): Promise<MerchantCredentials>;
  merchants(): Promise<Array<MerchantCredentials & { name: string; testUsers: Array<{ phoneNumber: string }> }>>;
  /** An access token for a merchant (default the first), from `POST /accesstoken/get`. */
  accessToken(merchant?: MerchantCredentials): Promise<string>;
  /** The headers ePayment, Webhooks, QR … want: bearer token, subscription key, MSN. */
  apiHeaders(merchant?: MerchantCredentials): Promise<Record<string, string>>;
  /** The user approves an ePayment payment in the app (default user: the payment's customer, else the first test user). */
  approvePayment(reference: string, user?: { phoneNumber?: string; msn?: string }): Promise<Record<string, unknown>>;
  /** The user rejects it in the app. */
  rejectPayment(reference: string, user?: { phoneNumber?: string; msn?: string }): Promise<Record<string, unknown>>;
  /** Moves simulated time forward ("10m", "2h", "3d", "PT10M", or milliseconds); time-driven work has happened when it resolves. */
  advanceClock(by: string | number): Promise<Date>;
  /** The emulator's simulated time. */
  now(): Promise<Date>;
  /** Clears payments, webhooks, deliveries, faults; sets the clock back; keeps merchants and keys. */
  reset(): Promise<void>;
  /** Waits until a delivery attempt matching `match` is in the delivery log, and returns it. */
  waitForDelivery(match: { reference?: string; eventType?: string; status?: number }, timeoutMs?: number): Promise<DeliveryAttemptView>;
}

/** A failed call: the status and the body the emulator answered with. */
export class DevkitError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export function connectEmulator(baseUrl: string, options: { adminToken?: string } = {}): DevkitClient {
  const url = baseUrl.replace(/\/+$/, '');
  const tokens = new Map<string, string>();

  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.adminToken && path.startsWith('/devkit/') ? { authorization: `Bearer ${options.adminToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: the text */
    }
    if (!res.ok) {
      const detail = (parsed as { detail?: string; title?: string } | undefined)?.detail ?? (parsed as { title?: string } | undefined)?.title ?? text.slice(0, 200);
      throw new DevkitError(`${method} ${path}: HTTP ${res.status}: ${detail}`, res.status, parsed);
    }
    return parsed as T;
  }

  const client: DevkitClient = {
    url,
    async merchants() {
      return (await call<{ merchants: Awaited<ReturnType<DevkitClient['merchants']>> }>('GET', '/devkit/v1/merchants')).merchants;
    },
    async merchant() {
      const [first] = await client.merchants();
      if (!first) throw new Error(`the emulator at ${url} has no merchant`);
      return { msn: first.msn, clientId: first.clientId, clientSecret: first.clientSecret, subscriptionKey: first.subscriptionKey };
    },
    async accessToken(merchant) {
      const m = merchant ?? (await client.merchant());
      const cached = tokens.get(m.clientId);
      if (cached) return cached;
      const { access_token: token } = await call<{ access_token: string }>('POST', '/accesstoken/get', undefined, { client_id: m.clientId, client_secret: m.clientSecret, 'ocp-apim-subscription-key': m.subscriptionKey });
      tokens.set(m.clientId, token);
      return token;
    },
    async apiHeaders(merchant) {
      const m = merchant ?? (await client.merchant());
      return { authorization: `Bearer ${await client.accessToken(m)}`, 'ocp-apim-subscription-key': m.subscriptionKey, 'merchant-serial-number': m.msn };
    },
    approvePayment: (reference, user = {}) => call('POST', `/devkit/v1/payments/${encodeURIComponent(reference)}/approve`, user),
    rejectPayment: (reference, user = {}) => call('POST', `/devkit/v1/payments/${encodeURIComponent(reference)}/reject`, user),
    async advanceClock(by) {
      const body = typeof by === 'number' ? { milliseconds: by } : { duration: by };
      const { now } = await call<{ now: string }>('POST', '/devkit/v1/clock/advance', body);
      // Access tokens last an hour of emulator time: the ones held may have expired with the jump.
      tokens.clear();
      return new Date(now);
    },
    async now() {
      return new Date((await call<{ now: string }>('GET', '/devkit/v1/clock')).now);
    },
    async reset() {
      await call('POST', '/devkit/v1/reset');
      tokens.clear();
    },
    async waitForDelivery(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const query = match.reference ? `?reference=${encodeURIComponent(match.reference)}&limit=1000` : '?limit=1000';
      for (;;) {
        const { attempts } = await call<{ attempts: DeliveryAttemptView[] }>('GET', `/devkit/v1/deliveries${query}`);
        const found = attempts.find((a) => (!match.eventType || a.eventType === match.eventType) && (match.status === undefined || a.response?.status === match.status));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no delivery ${JSON.stringify(match)} within ${timeoutMs} ms (the log has ${attempts.length} attempt(s) for that query)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
  return client;
}
