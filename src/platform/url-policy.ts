import { isIP } from 'node:net';

/**
 * The one URL policy for every address a merchant gives the emulator to call or to send a user to
 * (webhooks, callbacks, shipping details, return and fallback URLs): HTTPS to any host; plain HTTP
 * only to this machine — `localhost`, all of 127.0.0.0/8 and `[::1]` — which real MT refuses but a
 * shop on a developer's machine needs; never credentials in the URL (they would end up in logs and
 * in every request). Each API words its own refusal; the rule is this one.
 */

/** Why a URL is refused: not an absolute URL with a host, not http(s), credentials, plain http elsewhere. */
export type UrlRefusal = 'invalid' | 'scheme' | 'credentials' | 'insecure';

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: UrlRefusal };

/**
 * True when only this machine can reach the host: `localhost`, an IPv4 address in 127.0.0.0/8, or
 * ::1. Takes a URL's `hostname` (IPv6 in brackets) or a bare address (`serve --host ::1`).
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  const family = isIP(h);
  if (family === 4) return h.startsWith('127.');
  // Every spelling of ::1 (0:0:0:0:0:0:0:1, ::0001); the URL parser writes it as [::1].
  return family === 6 && new URL(`http://[${h}]`).hostname === '[::1]';
}

/** Checks an http(s) URL a merchant wants called or redirected to. */
export function checkMerchantUrl(value: string): UrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'scheme' };
  if (!url.hostname) return { ok: false, reason: 'invalid' };
  if (url.username || url.password) return { ok: false, reason: 'credentials' };
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return { ok: false, reason: 'insecure' };
  return { ok: true, url };
}

export const isAllowedMerchantUrl = (value: string): boolean => checkMerchantUrl(value).ok;
