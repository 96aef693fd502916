/**
 * The QR API's rules, pure: what a QR code is, when it is alive, what an Accept or Size header asks
 * for, and the decisions of create, update and the one-time payment QR. No I/O and no clock reads:
 * `now`, codes and the emulator's base URL come in as arguments.
 */
import { exchangeErrors, qrErrors, type ExchangeProblem, type QrProblem } from './errors.js';

/** A decision, or the refusal in the API's shape (the exchange endpoints have their own: `ExchangeProblem`). */
export type Result<T, P = QrProblem> = { ok: true; value: T } | { ok: false; problem: P };
const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
const fail = <P>(problem: P): { ok: false; problem: P } => ({ ok: false, problem });

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
// The host must end where a port, path, query or fragment begins: not http://localhost.evil.example/.
const LOOPBACK_REDIRECT_URL = /^http:\/\/(localhost|127\.0\.0\.1)(:[0-9]{1,5})?([/?#][\w#!:.?+=&%@\-/]*)?$/;

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

// ---- merchant callback QR ----

/**
 * A merchant callback QR (or a mapped MobilePay PoS beacon): scanning it checks the user in at the
 * sales unit, which gets a `user.checked-in.v1` webhook with a customerToken.
 */
export interface MerchantCallback {
  msn: string;
  merchantQrId: string;
  /** Our opaque code in the QR's content and image links; kept for the life of the code. */
  code: string;
  locationDescription: string;
  /** A MobilePay beacon mapped with PUT …/mobilepay/{beaconId}: its id is unique across sales units. */
  beacon: boolean;
  /** Check-ins so far: orders the webhook events of one code. */
  checkIns: number;
  createdAt: string;
  updatedAt: string;
}

export interface PutCallback {
  msn: string;
  merchantQrId: string;
  locationDescription: string;
  /** For a new code. */
  code: string;
}

/** Create or update: a second PUT changes only the location (the image stays, QR-SPEC). */
export function putCallback(existing: MerchantCallback | undefined, input: PutCallback, now: Date): MerchantCallback {
  const at = now.toISOString();
  if (existing) return { ...existing, locationDescription: input.locationDescription, updatedAt: at };
  return { msn: input.msn, merchantQrId: input.merchantQrId, code: input.code, locationDescription: input.locationDescription, beacon: false, checkIns: 0, createdAt: at, updatedAt: at };
}

/** Maps a printed MobilePay beacon to the sales unit; a beacon another sales unit holds is 409. */
export function mapBeacon(existing: MerchantCallback | undefined, heldBy: string | undefined, input: PutCallback, now: Date): Result<MerchantCallback> {
  if (heldBy !== undefined && heldBy !== input.msn) return fail(qrErrors.beaconTaken(input.merchantQrId));
  return ok({ ...putCallback(existing, input, now), beacon: true });
}

export function liveCallback(existing: MerchantCallback | undefined, merchantQrId: string): Result<MerchantCallback> {
  return existing ? ok(existing) : fail(qrErrors.callbackNotFound(merchantQrId));
}

/** TK-qr: a check-in's customerToken can be exchanged for 15 minutes. */
export const CUSTOMER_TOKEN_LIFETIME_MS = 15 * 60_000;

export interface CustomerToken {
  token: string;
  msn: string;
  merchantQrId: string;
  phoneNumber: string;
  initiatedAt: string;
  expiresAt: string;
}

/** The body of a `user.checked-in.v1` webhook (QR-WH). */
export interface CheckedInPayload {
  customerToken: string;
  merchantQrId: string;
  merchantSerialNumber: string;
  initiatedAt: string;
}

export const CHECKED_IN = 'user.checked-in.v1';

/** A user scans the code: the code counts the check-in, a token is issued, the webhook payload is made. */
export function checkIn(qr: MerchantCallback, input: { phoneNumber: string; token: string }, now: Date): { qr: MerchantCallback; token: CustomerToken; seq: number; payload: CheckedInPayload } {
  const initiatedAt = now.toISOString();
  return {
    qr: { ...qr, checkIns: qr.checkIns + 1 },
    token: { token: input.token, msn: qr.msn, merchantQrId: qr.merchantQrId, phoneNumber: input.phoneNumber, initiatedAt, expiresAt: new Date(now.getTime() + CUSTOMER_TOKEN_LIFETIME_MS).toISOString() },
    seq: qr.checkIns,
    payload: { customerToken: input.token, merchantQrId: qr.merchantQrId, merchantSerialNumber: qr.msn, initiatedAt },
  };
}

/** `POST /v1/exchange/customer`: a live token of this sales unit → the user's MSISDN and when the check-in began. */
export function exchangeCustomer(token: CustomerToken | undefined, msn: string, now: Date): Result<{ msisdn: string; timestamp: number }, ExchangeProblem> {
  if (!token || token.msn !== msn || now.getTime() >= Date.parse(token.expiresAt)) return fail(exchangeErrors.customerToken());
  return ok({ msisdn: token.phoneNumber, timestamp: Math.floor(Date.parse(token.initiatedAt) / 1000) });
}

// ---- the user's own QR and `POST /v1/exchange` ----

/** The QR a user shows in the app for a sales unit to scan (version 2.0 codes carry when they were made). */
export interface PersonalQr {
  code: string;
  phoneNumber: string;
  createdAt: string;
}

/** The content of a user's QR on this emulator: `<base>/qr/p/<code>`, shaped like the spec's `https://qr.vipps.no/p/…`. */
export const PERSONAL_PATH = '/qr/p/';

export function personalCode(qrCode: string, baseUrl: string): string | undefined {
  const prefix = `${baseUrl}${PERSONAL_PATH}`;
  const text = qrCode.trim();
  const code = text.startsWith(prefix) ? text.slice(prefix.length) : undefined;
  return code && /^[A-Za-z0-9_-]{8,40}$/.test(code) ? code : undefined;
}

/** `POST /v1/exchange`: the user behind a scanned user QR. */
export function exchangeQr(qr: PersonalQr | undefined): Result<{ msisdn: string; timestamp: number; version: '2.0' }, ExchangeProblem> {
  if (!qr) return fail(exchangeErrors.qrCode());
  return ok({ msisdn: qr.phoneNumber, timestamp: Math.floor(Date.parse(qr.createdAt) / 1000), version: '2.0' });
}
