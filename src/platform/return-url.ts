import { isLoopbackHost } from './url-policy.js';

/**
 * Where a merchant may send the user back to (ePayment `returnUrl` and `receiptUrl`, eCom
 * `fallBack`): the emulator's pages put these in a Location header and in a link, so the rule says
 * which URLs are accepted, not which are refused.
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
  if (scheme === 'https' || scheme === 'http') {
    if (!url.hostname || url.username || url.password) return false;
    return scheme === 'https' || isLoopbackHost(url.hostname);
  }
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
