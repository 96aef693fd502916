import type { Agent, Dispatcher } from 'undici';
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

/** A URL as this client calls it, parsed and checked once. */
type Target =
  | { refused: string }
  | { refused?: undefined; kind: 'localhost' | 'v6' | 'v4' | 'remote'; protocol: string; port: string; path: string; host: string; hostname: string };

const KEEP_ALIVE_MS = 4_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Kept of an answer's body; the rest is read and dropped (a merchant's error page can be large). */
const MAX_BODY_BYTES = 1 << 20;
/** Parsed targets kept; few distinct URLs in practice (webhooks, callback prefixes). */
const MAX_TARGETS = 1_000;
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
 *
 * Requests go through undici's dispatcher interface with a small handler that collects the body:
 * the `request()` API's body stream, URL parsing and async-resource bookkeeping cost more than
 * the loopback round trip itself.
 */
/** undici, loaded by the first call: it is a megabyte of code that a start does not need (docs/decisions.md 236). */
let AgentClass: typeof Agent | undefined;
const loadAgent = async () => {
  const undici = await import('undici');
  // Node names a CommonJS package's exports; the bundle (dist/cli) has them under `default`.
  return (AgentClass ??= undici.Agent ?? (undici as unknown as { default: typeof undici }).default.Agent);
};

export class MerchantHttp {
  private readonly agents = new Map<string, Agent>();
  private currentSource: string | undefined;
  private readonly targets = new Map<string, Target>();
  /** `localhost` origins that answered on ::1 after 127.0.0.1 refused: ::1 is tried first there. */
  private readonly localhostOnV6 = new Set<string>();

  /** Set once a request server's address could not be bound: calls to IPv4 loopback go unbound from then on. */
  private sourcesMissing = false;

  constructor(
    private readonly source: CallSource,
    /** Told once when this machine lacks the request servers' loopback addresses (macOS has only 127.0.0.1). */
    private readonly onSourceMissing?: (address: string, error: string) => void,
  ) {}

  async send(req: MerchantRequest): Promise<MerchantResponse> {
    const target = this.target(req.url);
    if (target.refused !== undefined) return { error: target.refused };
    if (AgentClass === undefined) await loadAgent();
    switch (target.kind) {
      case 'localhost':
        return this.localhost(target, req);
      case 'v6':
        return this.attempt(target, V6_LOOPBACK, this.agent(undefined), req);
      case 'v4':
        return this.fromSource(target, target.hostname, req);
      default:
        return this.attempt(target, target.hostname, this.agent(undefined), req);
    }
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }

  private target(url: string): Target {
    let t = this.targets.get(url);
    if (t) return t;
    const checked = checkMerchantUrl(url);
    if (!checked.ok) t = { refused: `not called: the URL policy refuses it (${checked.reason})` };
    else {
      const u = checked.url;
      const kind = u.hostname === 'localhost' ? 'localhost' : u.hostname === V6_LOOPBACK ? 'v6' : isLoopbackHost(u.hostname) ? 'v4' : 'remote';
      t = { kind, protocol: u.protocol, port: u.port, path: `${u.pathname}${u.search}`, host: u.host, hostname: u.hostname };
    }
    if (this.targets.size >= MAX_TARGETS) this.targets.clear();
    this.targets.set(url, t);
    return t;
  }

  private async localhost(target: Exclude<Target, { refused: string }>, req: MerchantRequest): Promise<MerchantResponse> {
    const key = `${target.protocol}${target.port}`;
    const v6First = this.localhostOnV6.has(key);
    const v4 = () => this.fromSource(target, V4_LOOPBACK, req);
    const v6 = () => this.attempt(target, V6_LOOPBACK, this.agent(undefined), req);
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
    return /^(ECONNREFUSED|EADDRNOTAVAIL|EAFNOSUPPORT|ENETUNREACH)\b/.test(second.error) ? { error: `ECONNREFUSED: nothing listens on ${target.host} (tried 127.0.0.1 and ::1)` } : second;
  }

  /**
   * An IPv4 loopback call from the request server's address. Where that address does not exist
   * (EADDRNOTAVAIL: macOS has only 127.0.0.1 on lo0 unless aliases are added), nothing was sent:
   * the call goes again unbound, and so does every later one, after one warning.
   */
  private async fromSource(target: Exclude<Target, { refused: string }>, host: string, req: MerchantRequest): Promise<MerchantResponse> {
    const source = this.sourcesMissing ? undefined : (req.source ?? this.source.deliveryServer().address);
    const res = await this.attempt(target, host, this.agent(source), req);
    if (source === undefined || !res.error?.startsWith('EADDRNOTAVAIL')) return res;
    if (!this.sourcesMissing) {
      this.sourcesMissing = true;
      this.onSourceMissing?.(source, res.error);
    }
    return this.attempt(target, host, this.agent(undefined), req);
  }

  private attempt(target: Exclude<Target, { refused: string }>, host: string, agent: Agent, req: MerchantRequest): Promise<MerchantResponse> {
    return new Promise<MerchantResponse>((resolve) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let status = 0;
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const settle = (r: MerchantResponse) => {
        if (settled) return;
        settled = true;
        if (deadline) clearTimeout(deadline);
        resolve(r);
      };
      // A remote host may also take its time to connect: bound the whole call. (Loopback connects
      // at once or is refused; the header and body timeouts bound the rest.)
      if (target.kind === 'remote') {
        deadline = setTimeout(() => {
          const error = new Error(`no answer within ${req.timeoutMs} ms`);
          error.name = 'TimeoutError';
          controller?.abort(error);
          settle({ error: describeError(error, req.timeoutMs) });
        }, req.timeoutMs);
      }
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (c) => {
          controller = c;
        },
        onResponseStart: (_c, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_c, chunk) => {
          if (kept >= MAX_BODY_BYTES) return;
          chunks.push(chunk);
          kept += chunk.length;
        },
        onResponseEnd: () => settle({ status, body: Buffer.concat(chunks).toString('utf8', 0, Math.min(kept, MAX_BODY_BYTES)) }),
        onResponseError: (_c, err) => settle({ error: describeError(err, req.timeoutMs) }),
      };
      try {
        agent.dispatch(
          {
            origin: `${target.protocol}//${host}${target.port ? `:${target.port}` : ''}`,
            path: target.path,
            method: req.method,
            // The Host header (and with it the TLS server name) stays the URL's.
            headers: { ...req.headers, host: target.host },
            body: req.body ?? null,
            headersTimeout: req.timeoutMs,
            bodyTimeout: req.timeoutMs,
          },
          handler,
        );
      } catch (err) {
        settle({ error: describeError(err, req.timeoutMs) });
      }
    });
  }

  /** One pool per IPv4 source (and one unbound); a rotation retires the previous source's pool. */
  private agent(localAddress: string | undefined): Agent {
    const key = localAddress ?? '';
    let agent = this.agents.get(key);
    if (agent) return agent;
    agent = new AgentClass!({ keepAliveTimeout: KEEP_ALIVE_MS, connect: { timeout: CONNECT_TIMEOUT_MS }, ...(localAddress ? { localAddress } : {}) });
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
