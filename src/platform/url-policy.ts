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

/**
 * Where a merchant may send the user back to (ePayment `returnUrl` and `receiptUrl`, eCom
 * `fallBack`): the emulator's pages put these in a Location header and in a link, so the rule says
 * which URLs are accepted, not which are refused (an allowlist, decision on return URLs).
 *
 * - `https://` with a host;
 * - `http://` to this machine only (localhost, 127.0.0.0/8, [::1]): a shop on a developer's machine;
 * - an app's own scheme, as Vipps documents (`myapp://…`, `vippsMT://…`; RFC 8252's
 *   `com.example.app:/…` too). An app scheme is one the browser hands to an installed app: none of the schemes the
 *   web platform itself gives a meaning (WEB_PLATFORM_SCHEMES), which is how `javascript:`,
 *   `vbscript:`, `data:`, `file:` and `blob:` stay out without naming attacks one by one.
 *
 * No credentials in the URL, at most MAX_RETURN_URL_LENGTH characters.
 */
export function isAllowedReturnUrl(value: string): boolean {
  if (value.length > MAX_RETURN_URL_LENGTH) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  // The web part is the merchant-URL rule above: https anywhere, http on loopback, no credentials.
  if (scheme === 'https' || scheme === 'http') return checkMerchantUrl(value).ok;
  return isAppScheme(scheme);
}

export const MAX_RETURN_URL_LENGTH = 2048;

/**
 * Schemes the web platform defines for itself, so never an app's: the URL Standard's special
 * schemes, the Fetch Standard's local schemes, script schemes (HTML's `javascript:`, and the
 * `vbscript:`/`livescript:` of older browsers), and browsers' own.
 */
export const WEB_PLATFORM_SCHEMES: ReadonlySet<string> = new Set([
  // URL Standard, special schemes
  'ftp', 'file', 'http', 'https', 'ws', 'wss',
  // Fetch Standard, local schemes (and blob's filesystem: sibling)
  'about', 'blob', 'data', 'filesystem',
  // script schemes
  'javascript', 'vbscript', 'livescript', 'jscript', 'mocha',
  // the browsers' own
  'view-source', 'chrome', 'chrome-extension', 'chrome-untrusted', 'edge', 'moz-extension', 'resource', 'jar', 'ms-browser-extension', 'safari-extension', 'webkit', 'opera',
]);

/** An app's URL scheme: a well-formed scheme name the web platform does not claim. */
export function isAppScheme(scheme: string): boolean {
  return /^[a-z][a-z0-9+.-]{0,63}$/.test(scheme) && !WEB_PLATFORM_SCHEMES.has(scheme);
}
