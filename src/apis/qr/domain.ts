/**
 * The QR API's rules, pure: what a QR code is, when it is alive, what an Accept or Size header asks
 * for, and the decisions of create, update and the one-time payment QR. No I/O and no clock reads:
 * `now`, codes and the emulator's base URL come in as arguments.
 */
import { qrErrors, type QrProblem } from './errors.js';

export type Result<T> = { ok: true; value: T } | { ok: false; problem: QrProblem };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(problem: QrProblem): Result<T> => ({ ok: false, problem });

// ---- what the client asks for: Accept and Size ----

/** The three answers of the Accept header: an SVG or PNG image link, or the text to encode yourself. */
export type QrFormat = 'svg' | 'png' | 'targetUrl';

export interface ImageRequest {
  format: QrFormat;
  /** Pixels (PNG only); the image's default when left out. */
  size?: number;
}

/** PNG width when no Size header is given: TK-qr's 1024 (QR-G says 800), as ePayment's QR images. */
export const DEFAULT_PNG_SIZE = 1024;
export const MIN_SIZE = 100;
export const MAX_SIZE = 2000;

/**
 * `image/*` and `image/svg+xml` → SVG, `image/png` → PNG, `text/targetUrl` → the raw content
 * (media types compare case-insensitively). A list is read in order of its q-values; the first
 * supported range wins. Nothing supported → 415; no header at all → 400 (the spec requires it).
 */
export function parseAccept(header: string | undefined): Result<QrFormat> {
  if (header === undefined || header.trim() === '') return fail(qrErrors.acceptMissing());
  const ranges = header
    .split(',')
    .map((part, index) => {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.map((p) => /^q=([0-9.]+)$/i.exec(p)).find(Boolean);
      return { type: type.toLowerCase(), q: q ? Number(q[1]) : 1, index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranges) {
    if (type === 'image/png') return ok('png');
    if (type === 'image/svg+xml' || type === 'image/*') return ok('svg');
    if (type === 'text/targeturl') return ok('targetUrl');
  }
  return fail(qrErrors.acceptUnsupported(header));
}

/** The Size header: 100–2000 pixels, square. Only PNG images use it. */
export function parseSize(header: string | undefined): Result<number | undefined> {
  if (header === undefined) return ok(undefined);
  const trimmed = header.trim();
  const n = /^[0-9]{1,5}$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!(n >= MIN_SIZE && n <= MAX_SIZE)) return fail(qrErrors.size(header));
  return ok(n);
}

export function imageRequest(accept: string | undefined, size: string | undefined): Result<ImageRequest> {
  const format = parseAccept(accept);
  if (!format.ok) return format;
  const pixels = parseSize(size);
  if (!pixels.ok) return pixels;
  return ok(format.value === 'png' && pixels.value !== undefined ? { format: 'png', size: pixels.value } : { format: format.value });
}

// ---- merchant redirect QR ----

/** A merchant redirect QR: a printed code that sends whoever scans it to the merchant's URL, changeable at any time. */
export interface MerchantRedirect {
  msn: string;
  /** The merchant's own id: unique per sales unit. */
  id: string;
  /** Our opaque code in the QR's content and image links: new for every create, so a deleted code never comes back. */
  code: string;
  redirectUrl: string;
  /** ISO time the code stops working (created with `ttl`), or null: never. */
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const SPEC_REDIRECT_URL = /^https:\/\/[\w.]+([\w#!:.?+=&%@\-/]+)?$/;
const LOOPBACK_REDIRECT_URL = /^http:\/\/(localhost|127\.0\.0\.1)(:[0-9]{1,5})?([\w#!:.?+=&%@\-/]+)?$/;

/** The spec's pattern (HTTPS), plus http://localhost and http://127.0.0.1 for a shop on the developer's machine. */
export const isAcceptedRedirectUrl = (url: string): boolean => SPEC_REDIRECT_URL.test(url) || LOOPBACK_REDIRECT_URL.test(url);

export const isLive = (expiresAt: string | null, now: Date): boolean => expiresAt === null || now.getTime() < Date.parse(expiresAt);

/** Whole seconds until `expiresAt` (rounded up while any time is left), or -1 for a code that never expires. */
export function expiresIn(expiresAt: string | null, now: Date): number {
  if (expiresAt === null) return -1;
  return Math.max(0, Math.ceil((Date.parse(expiresAt) - now.getTime()) / 1000));
}

export interface CreateRedirect {
  msn: string;
  id: string;
  redirectUrl: string;
  /** Seconds; null or absent: the code never expires. */
  ttl?: number | null;
  code: string;
}

/** `existing`: the sales unit's code with this id, if any (an expired one is gone and may be replaced). */
export function createRedirect(existing: MerchantRedirect | undefined, input: CreateRedirect, now: Date): Result<MerchantRedirect> {
  if (!isAcceptedRedirectUrl(input.redirectUrl)) return fail(qrErrors.redirectUrl());
  if (existing && isLive(existing.expiresAt, now)) return fail(qrErrors.redirectExists(input.id));
  const at = now.toISOString();
  return ok({
    msn: input.msn,
    id: input.id,
    code: input.code,
    redirectUrl: input.redirectUrl,
    expiresAt: input.ttl == null ? null : new Date(now.getTime() + input.ttl * 1000).toISOString(),
    createdAt: at,
    updatedAt: at,
  });
}

/** A new target, effective at once; the code, its image and its expiry stay. */
export function updateRedirect(existing: MerchantRedirect | undefined, id: string, redirectUrl: string, now: Date): Result<MerchantRedirect> {
  if (!existing || !isLive(existing.expiresAt, now)) return fail(qrErrors.redirectNotFound(id));
  if (!isAcceptedRedirectUrl(redirectUrl)) return fail(qrErrors.redirectUrl());
  return ok({ ...existing, redirectUrl, updatedAt: now.toISOString() });
}

/** The code with this id as the sales unit sees it now: an expired one is gone, whether or not the sweep came by. */
export function liveRedirect(existing: MerchantRedirect | undefined, id: string, now: Date): Result<MerchantRedirect> {
  if (!existing || !isLive(existing.expiresAt, now)) return fail(qrErrors.redirectNotFound(id));
  return ok(existing);
}

// ---- one-time payment QR ----

/** A QR of one payment's landing page: scan within 5 minutes (QR-G), after which its image link is gone. */
export interface OneTimeQr {
  code: string;
  msn: string;
  /** What the QR encodes: the landing-page URL the payment API returned. */
  landingUrl: string;
  expiresAt: string;
  createdAt: string;
}

export const ONE_TIME_LIFETIME_MS = 5 * 60_000;

/** The emulator's landing-page paths: eCom and Recurring (MT's deeplink path) and ePayment's own. */
const LANDING_PATHS = new Set(['/dwo-api-application/v1/deeplink/vippsgateway', '/landing']);
const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * The landing-page URL a payment API of this emulator returned (`baseUrl` is the emulator's), with
 * its token; anything else is the spec's "Supplied landing page token is not valid".
 */
export function landingUrl(given: string, baseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(given.trim());
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(baseUrl).origin || !LANDING_PATHS.has(url.pathname)) return undefined;
  const token = url.searchParams.get('token');
  return token && TOKEN.test(token) ? url.href : undefined;
}

export function createOneTime(input: { msn: string; url: string; code: string; baseUrl: string }, now: Date): Result<OneTimeQr> {
  const landing = landingUrl(input.url, input.baseUrl);
  if (!landing) return fail(qrErrors.landingUrlInvalid());
  return ok({
    code: input.code,
    msn: input.msn,
    landingUrl: landing,
    expiresAt: new Date(now.getTime() + ONE_TIME_LIFETIME_MS).toISOString(),
    createdAt: now.toISOString(),
  });
}
