import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { VIPPS_API_HOSTS } from '../environments/api-hosts.js';
import { isLoopbackHost } from '../platform/url-policy.js';
import { ProblemError, problem } from '../platform/problems.js';

/**
 * Which Host names the browser-facing parts of the emulator (the control API, the simulated app and
 * landing pages) answer to, as webpack-dev-server's and Vite's `allowedHosts` do: a page on another
 * site that rebinds its DNS name to 127.0.0.1 reaches the emulator with its own name in Host, and
 * is refused.
 */
export interface SiteOptions {
  /** The emulator listens on loopback only (then only loopback names and addresses are expected). */
  loopbackOnly: boolean;
  /**
   * Names besides the built-in ones (`serve --allowed-host`): exact names, `.example.com` for a
   * domain and its subdomains, or `all` to switch the Host check off.
   */
  allowedHosts: readonly string[];
}

/** The Vipps API host names the built-in DNS server answers with the emulator's address. */
const VIPPS_NAMES: readonly string[] = VIPPS_API_HOSTS;

/** The host name of a Host header or an Origin, lower case, without port or IPv6 brackets. */
export function hostnameOf(hostHeader: string): string | undefined {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : undefined;
  }
  const colon = h.indexOf(':');
  const name = colon === -1 ? h : h.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Whether a Host header names this emulator (see SiteOptions). An absent Host (HTTP/1.0, not a browser) passes. */
export function isAllowedHost(hostHeader: string | undefined, options: SiteOptions): boolean {
  if (hostHeader === undefined) return true;
  const name = hostnameOf(hostHeader);
  if (!name) return false;
  if (options.allowedHosts.includes('all')) return true;
  // localhost and *.localhost always mean this machine (RFC 6761); so do loopback addresses.
  if (name === 'localhost' || name.endsWith('.localhost') || isLoopbackHost(name)) return true;
  // Beyond loopback any address literal is fine: a rebinding attack brings a name, never an address.
  if (!options.loopbackOnly && isIP(name) !== 0) return true;
  if (VIPPS_NAMES.includes(name)) return true;
  return options.allowedHosts.some((allowed) => {
    const a = allowed.toLowerCase();
    return a.startsWith('.') ? name === a.slice(1) || name.endsWith(a) : name === a;
  });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a state-changing request comes from another site's page: `Sec-Fetch-Site: cross-site`,
 * or (from browsers that do not send it) an Origin whose host this emulator does not answer to.
 */
export function isCrossSiteWrite(request: Pick<FastifyRequest, 'method' | 'headers'>, options: SiteOptions): boolean {
  if (SAFE_METHODS.has(request.method)) return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'cross-site';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  if (origin === 'null') return true;
  try {
    const url = new URL(origin);
    const sameOrigin = url.host === request.headers.host;
    return !sameOrigin && !isAllowedHost(url.host, { ...options, allowedHosts: options.allowedHosts.filter((h) => h !== 'all') });
  } catch {
    return true;
  }
}

/**
 * onRequest hook of the browser-facing routes: Host in the allowlist, no cross-site state changes.
 * Refusals are 403 Problems, rendered by the scope's error handler in its own shape.
 */
export function siteGuard(options: SiteOptions) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    if (!isAllowedHost(request.headers.host, options)) {
      return done(new ProblemError(problem(403, 'Forbidden', `This emulator does not answer to the host name in the Host header (${String(request.headers.host).slice(0, 100)}). Use localhost or 127.0.0.1, or start it with --allowed-host <name>.`)));
    }
    if (isCrossSiteWrite(request, options)) {
      return done(new ProblemError(problem(403, 'Forbidden', 'A page of another site may not change the emulator\'s state (cross-site request refused).')));
    }
    done();
  };
}
