import { Agent, request } from 'undici';
import { checkMerchantUrl, isLoopbackHost } from './url-policy.js';

/**
 * Where calls to this machine come from: the active request server (the environments' directory
 * is one). Platform names only this much of it.
 */
export interface CallSource {
  /** An IPv4 loopback address (127.x.y.z) that calls to IPv4 loopback targets are sent from. */
  deliveryServer(): { address: string };
}

export interface MerchantRequest {
  method: 'POST' | 'DELETE' | 'GET' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** The merchant must start answering, and finish, within this time. */
  timeoutMs: number;
  /** Source address for IPv4 loopback targets; default the active request server's. Callers that log the source pass the one they log. */
  source?: string;
}

/** Any answer (whatever its status), or why there was none. */
export type MerchantResponse = { status: number; body: string; error?: undefined } | { status?: undefined; body?: undefined; error: string };

const KEEP_ALIVE_MS = 4_000;
const CONNECT_TIMEOUT_MS = 10_000;
const V4_LOOPBACK = '127.0.0.1';
const V6_LOOPBACK = '[::1]';

/**
 * The emulator's one HTTP client towards merchants: webhook and callback deliveries, and eCom's
 * synchronous calls in the user's flow. Loopback targets are reached as the merchant's firewall
 * would see Vipps: IPv4 from the active request server's address (one kept-alive pool per source),
 * ::1 without a binding (an IPv4 source cannot reach it). Other hosts are called from this
 * machine's own address (a loopback source cannot reach them). `localhost` is tried as clients
 * try it: 127.0.0.1 and ::1, the other when one refuses the connection. URLs the policy refuses
 * are not called at all.
 */
export class MerchantHttp {
  private readonly agents = new Map<string, Agent>();
  private currentSource: string | undefined;
  /** `localhost` origins that answered on ::1 after 127.0.0.1 refused: ::1 is tried first there. */
  private readonly localhostOnV6 = new Set<string>();

  constructor(private readonly source: CallSource) {}

  async send(req: MerchantRequest): Promise<MerchantResponse> {
    const checked = checkMerchantUrl(req.url);
    if (!checked.ok) return { error: `not called: the URL policy refuses it (${checked.reason})` };
    const url = checked.url;
    const host = url.hostname;
    if (host === 'localhost') return this.localhost(url, req);
    if (host === V6_LOOPBACK) return this.attempt(url, V6_LOOPBACK, this.agent(undefined), req);
    if (isLoopbackHost(host)) return this.attempt(url, host, this.agent(req.source ?? this.source.deliveryServer().address), req);
    return this.attempt(url, host, this.agent(undefined), req, true);
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }

  private async localhost(url: URL, req: MerchantRequest): Promise<MerchantResponse> {
    const key = `${url.protocol}${url.port}`;
    const v6First = this.localhostOnV6.has(key);
    const v4 = () => this.attempt(url, V4_LOOPBACK, this.agent(req.source ?? this.source.deliveryServer().address), req);
    const v6 = () => this.attempt(url, V6_LOOPBACK, this.agent(undefined), req);
    const first = await (v6First ? v6() : v4());
    // Only a refused connection is safe to try elsewhere: nothing was sent.
    if (!first.error?.startsWith('ECONNREFUSED')) return first;
    const second = await (v6First ? v4() : v6());
    if (second.error === undefined) {
      if (v6First) this.localhostOnV6.delete(key);
      else this.localhostOnV6.add(key);
      return second;
    }
    // The other address refusing too (or not existing: no IPv6) means nothing listens there.
    return /^(ECONNREFUSED|EADDRNOTAVAIL|EAFNOSUPPORT|ENETUNREACH)\b/.test(second.error) ? { error: `ECONNREFUSED: nothing listens on ${url.host} (tried 127.0.0.1 and ::1)` } : second;
  }

  private async attempt(url: URL, host: string, agent: Agent, req: MerchantRequest, remote = false): Promise<MerchantResponse> {
    try {
      const res = await request(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}${url.pathname}${url.search}`, {
        method: req.method,
        // The Host header (and TLS server name) stay those of the URL the merchant gave.
        headers: { ...req.headers, host: url.host },
        ...(req.body === undefined ? {} : { body: req.body }),
        dispatcher: agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        // A remote host may also take its time to connect: bound the whole call.
        ...(remote ? { signal: AbortSignal.timeout(req.timeoutMs) } : {}),
      });
      return { status: res.statusCode, body: await res.body.text() };
    } catch (err) {
      return { error: describeError(err, req.timeoutMs) };
    }
  }

  /** One pool per IPv4 source (and one unbound); a rotation retires the previous source's pool. */
  private agent(localAddress: string | undefined): Agent {
    const key = localAddress ?? '';
    let agent = this.agents.get(key);
    if (agent) return agent;
    agent = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, connect: { timeout: CONNECT_TIMEOUT_MS }, ...(localAddress ? { localAddress } : {}) });
    this.agents.set(key, agent);
    if (localAddress) {
      const previous = this.currentSource;
      this.currentSource = localAddress;
      const old = previous === undefined ? undefined : this.agents.get(previous);
      if (old) {
        this.agents.delete(previous!);
        // Lets calls in flight finish on it.
        void old.close().catch(() => undefined);
      }
    }
    return agent;
  }
}

/** A transport failure as the delivery log and eCom's app pages show it. */
export function describeError(err: unknown, timeoutMs: number): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return `timeout: no answer within ${timeoutMs} ms`;
  return `${e.code ?? 'error'}: ${e.message ?? String(err)}`;
}
