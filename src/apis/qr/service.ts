import type { Transaction } from 'kysely';
import type { DatabaseHandle } from '../../db/open.js';
import type { Database } from '../../db/schema.js';
import type { OffsetClock } from '../../platform/clock.js';
import type { PublishedEvent } from '../../platform/event-bus.js';
import type { IdSource } from '../../platform/ids.js';
import type { ExchangeProblem } from './errors.js';
import {
  CHECKED_IN,
  checkIn,
  createOneTime,
  createRedirect,
  expiresIn,
  exchangeCustomer,
  exchangeQr,
  isLive,
  liveCallback,
  liveRedirect,
  mapBeacon,
  personalCode,
  PERSONAL_PATH,
  putCallback,
  updateRedirect,
  type CheckedInPayload,
  type ImageRequest,
  type MerchantCallback,
  type MerchantRedirect,
  type Result,
} from './domain.js';
import type { CreateMerchantRedirectRequest, MerchantCallbackResponse, MerchantRedirectResponse } from './schemas.js';
import { qrStore } from './store.js';

export interface QrDeps {
  database: DatabaseHandle;
  clock: OffsetClock;
  ids: IdSource;
  /** The emulator's base URL: QR contents and image links point at it. */
  publicUrl: () => string;
  /** Test users by phone number: who checks in at a callback QR. */
  findUser: (phoneNumber: string, trx: Transaction<Database>) => Promise<{ phoneNumber: string } | undefined>;
  /** The event bus: a check-in's `user.checked-in.v1`, published in the check-in's transaction. */
  publish: (trx: Transaction<Database>, events: readonly PublishedEvent[]) => Promise<void>;
}

/** The kinds of code that have image links. */
export type CodeKind = 'merchant-redirect' | 'one-time' | 'merchant-callback';

/** What a scanned QR content leads to (the control API's "scan"). */
export type Scanned =
  | { kind: 'merchant-redirect'; msn: string; id: string; target: string }
  | ({ kind: 'merchant-callback'; msn: string; locationDescription: string; phoneNumber: string } & CheckedInPayload);

/** A scan that could not be done: the code is unknown, or the user is. */
export type ScanRefusal = { reason: 'unknown-code' } | { reason: 'unknown-user'; phoneNumber: string };

/** 16 random bytes: the code in a QR's content and image links. */
const CODE_BYTES = 16;
const SCAN_PATH = '/qr/r/';
/** The content of a merchant callback QR: meant for the Vipps app (a page on the emulator stands in for it). */
const CHECK_IN_PATH = '/qr/c/';

/**
 * The QR commands. Each write is one command of the group-commit queue (load, decide in the
 * domain, store); reads wait for the durability barrier first, so they never show a write that is
 * not yet on disk.
 */
export class QrService {
  constructor(private readonly deps: QrDeps) {}

  private now(): Date {
    return this.deps.clock.now();
  }

  /** The QR's content: a link on the emulator that sends the scanner on to the merchant's current URL. */
  scanLink(code: string): string {
    return `${this.deps.publicUrl()}${SCAN_PATH}${code}`;
  }

  checkInLink(code: string): string {
    return `${this.deps.publicUrl()}${CHECK_IN_PATH}${code}`;
  }

  imageLink(kind: CodeKind, code: string, image: ImageRequest): string {
    const ext = image.format === 'png' ? 'png' : 'svg';
    return `${this.deps.publicUrl()}/qr/images/${kind}/${code}.${ext}${image.format === 'png' && image.size ? `?size=${image.size}` : ''}`;
  }

  private view(qr: MerchantRedirect, image: ImageRequest, now: Date): MerchantRedirectResponse {
    return {
      id: qr.id,
      url: image.format === 'targetUrl' ? this.scanLink(qr.code) : this.imageLink('merchant-redirect', qr.code, image),
      redirectUrl: qr.redirectUrl,
      expiresIn: expiresIn(qr.expiresAt, now),
    };
  }

  createRedirect(msn: string, body: CreateMerchantRedirectRequest, image: ImageRequest): Promise<Result<MerchantRedirectResponse>> {
    const code = this.deps.ids.token(CODE_BYTES);
    return this.deps.database.commands.run(async (trx) => {
      const now = this.now();
      const decided = createRedirect(await qrStore.redirect(trx, msn, body.id), { msn, id: body.id, redirectUrl: body.redirectUrl, ttl: body.ttl ?? null, code }, now);
      if (!decided.ok) return decided;
      await qrStore.putRedirect(trx, decided.value);
      return { ok: true, value: this.view(decided.value, image, now) };
    });
  }

  async listRedirects(msn: string, image: ImageRequest): Promise<MerchantRedirectResponse[]> {
    await this.deps.database.durable();
    const now = this.now();
    return (await qrStore.redirects(this.deps.database.db, msn)).filter((qr) => isLive(qr.expiresAt, now)).map((qr) => this.view(qr, image, now));
  }

  async getRedirect(msn: string, id: string, image: ImageRequest): Promise<Result<MerchantRedirectResponse>> {
    await this.deps.database.durable();
    const now = this.now();
    const found = liveRedirect(await qrStore.redirect(this.deps.database.db, msn, id), id, now);
    return found.ok ? { ok: true, value: this.view(found.value, image, now) } : found;
  }

  updateRedirect(msn: string, id: string, redirectUrl: string, image: ImageRequest): Promise<Result<MerchantRedirectResponse>> {
    return this.deps.database.commands.run(async (trx) => {
      const now = this.now();
      const decided = updateRedirect(await qrStore.redirect(trx, msn, id), id, redirectUrl, now);
      if (!decided.ok) return decided;
      await qrStore.updateRedirect(trx, decided.value);
      return { ok: true, value: this.view(decided.value, image, now) };
    });
  }

  deleteRedirect(msn: string, id: string): Promise<Result<undefined>> {
    return this.deps.database.commands.run(async (trx) => {
      const decided = liveRedirect(await qrStore.redirect(trx, msn, id), id, this.now());
      if (!decided.ok) return decided;
      await qrStore.deleteRedirect(trx, msn, id);
      return { ok: true, value: undefined };
    });
  }

  createOneTime(msn: string, url: string, image: ImageRequest): Promise<Result<{ url: string; expiresIn: number }>> {
    const code = this.deps.ids.token(CODE_BYTES);
    return this.deps.database.commands.run(async (trx) => {
      const now = this.now();
      const decided = createOneTime({ msn, url, code, baseUrl: this.deps.publicUrl() }, now);
      if (!decided.ok) return decided;
      await qrStore.insertOneTime(trx, decided.value);
      const qr = decided.value;
      return { ok: true, value: { url: image.format === 'targetUrl' ? qr.landingUrl : this.imageLink('one-time', qr.code, image), expiresIn: expiresIn(qr.expiresAt, now) } };
    });
  }

  // ---- merchant callback QR ----

  private callbackView(qr: MerchantCallback, image: ImageRequest): MerchantCallbackResponse {
    return {
      merchantSerialNumber: qr.msn,
      merchantQrId: qr.merchantQrId,
      locationDescription: qr.locationDescription,
      qrImageUrl: this.imageLink('merchant-callback', qr.code, image),
      qrContent: this.checkInLink(qr.code),
    };
  }

  putCallback(msn: string, merchantQrId: string, locationDescription: string): Promise<void> {
    const code = this.deps.ids.token(CODE_BYTES);
    return this.deps.database.commands.run(async (trx) => {
      const qr = putCallback(await qrStore.callback(trx, msn, merchantQrId), { msn, merchantQrId, locationDescription, code }, this.now());
      await qrStore.putCallback(trx, qr);
    });
  }

  mapBeacon(msn: string, beaconId: string, locationDescription: string): Promise<Result<undefined>> {
    const code = this.deps.ids.token(CODE_BYTES);
    return this.deps.database.commands.run(async (trx) => {
      const decided = mapBeacon(await qrStore.callback(trx, msn, beaconId), await qrStore.beaconHolder(trx, beaconId), { msn, merchantQrId: beaconId, locationDescription, code }, this.now());
      if (!decided.ok) return decided;
      await qrStore.putCallback(trx, decided.value);
      return { ok: true, value: undefined };
    });
  }

  async listCallbacks(msn: string, image: ImageRequest): Promise<MerchantCallbackResponse[]> {
    await this.deps.database.durable();
    return (await qrStore.callbacks(this.deps.database.db, msn)).map((qr) => this.callbackView(qr, image));
  }

  async getCallback(msn: string, merchantQrId: string, image: ImageRequest): Promise<Result<MerchantCallbackResponse>> {
    await this.deps.database.durable();
    const found = liveCallback(await qrStore.callback(this.deps.database.db, msn, merchantQrId), merchantQrId);
    return found.ok ? { ok: true, value: this.callbackView(found.value, image) } : found;
  }

  deleteCallback(msn: string, merchantQrId: string): Promise<Result<undefined>> {
    return this.deps.database.commands.run(async (trx) => {
      const found = liveCallback(await qrStore.callback(trx, msn, merchantQrId), merchantQrId);
      if (!found.ok) return found;
      await qrStore.deleteCallback(trx, msn, merchantQrId);
      return { ok: true, value: undefined };
    });
  }

  /**
   * A test user scans a callback QR with the app: one command counts the check-in, issues the
   * customerToken and publishes `user.checked-in.v1` (the Webhooks API delivers it).
   */
  checkIn(code: string, phoneNumber: string): Promise<Result<Scanned & { kind: 'merchant-callback' }, ScanRefusal>> {
    const token = this.deps.ids.token(32);
    return this.deps.database.commands.run(async (trx) => {
      const qr = await qrStore.callbackByCode(trx, code);
      if (!qr) return { ok: false, problem: { reason: 'unknown-code' } };
      const user = await this.deps.findUser(phoneNumber, trx);
      if (!user) return { ok: false, problem: { reason: 'unknown-user', phoneNumber } };
      const done = checkIn(qr, { phoneNumber: user.phoneNumber, token }, this.now());
      await qrStore.putCallback(trx, done.qr);
      await qrStore.insertToken(trx, done.token);
      await this.deps.publish(trx, [{ type: CHECKED_IN, msn: qr.msn, reference: qr.merchantQrId, seq: done.seq, payload: done.payload }]);
      return { ok: true, value: { kind: 'merchant-callback', msn: qr.msn, locationDescription: qr.locationDescription, phoneNumber: user.phoneNumber, ...done.payload } };
    });
  }

  /** The callback QR behind a check-in link's code, for the page that stands in for the app. */
  async callbackByCode(code: string): Promise<MerchantCallback | undefined> {
    await this.deps.database.durable();
    return qrStore.callbackByCode(this.deps.database.db, code);
  }

  async exchangeCustomer(msn: string, customerToken: string): Promise<Result<{ msisdn: string; timestamp: number }, ExchangeProblem>> {
    await this.deps.database.durable();
    return exchangeCustomer(await qrStore.token(this.deps.database.db, customerToken), msn, this.now());
  }

  // ---- the user's own QR ----

  /** A QR for a test user to show (the control API; the simulated app has no screen for it yet). */
  personalQr(phoneNumber: string): Promise<Result<{ qrCode: string; phoneNumber: string; version: '2.0'; timestamp: number }, ScanRefusal>> {
    const code = this.deps.ids.token(CODE_BYTES);
    return this.deps.database.commands.run(async (trx) => {
      const user = await this.deps.findUser(phoneNumber, trx);
      if (!user) return { ok: false, problem: { reason: 'unknown-user', phoneNumber } };
      const now = this.now();
      await qrStore.insertPersonal(trx, { code, phoneNumber: user.phoneNumber, createdAt: now.toISOString() });
      return { ok: true, value: { qrCode: `${this.deps.publicUrl()}${PERSONAL_PATH}${code}`, phoneNumber: user.phoneNumber, version: '2.0', timestamp: Math.floor(now.getTime() / 1000) } };
    });
  }

  async exchangeQr(qrCode: string): Promise<Result<{ msisdn: string; timestamp: number; version: '2.0' }, ExchangeProblem>> {
    const code = personalCode(qrCode, this.deps.publicUrl());
    if (code === undefined) return exchangeQr(undefined);
    await this.deps.database.durable();
    return exchangeQr(await qrStore.personal(this.deps.database.db, code));
  }

  // ---- images and scans ----

  /** What the image of a live code draws (its content), or undefined: deleted, expired or never made. */
  async content(kind: CodeKind, code: string): Promise<string | undefined> {
    await this.deps.database.durable();
    const now = this.now();
    if (kind === 'merchant-callback') {
      const qr = await qrStore.callbackByCode(this.deps.database.db, code);
      return qr && this.checkInLink(qr.code);
    }
    if (kind === 'merchant-redirect') {
      const qr = await qrStore.redirectByCode(this.deps.database.db, code);
      return qr && isLive(qr.expiresAt, now) ? this.scanLink(qr.code) : undefined;
    }
    const qr = await qrStore.oneTime(this.deps.database.db, code);
    return qr && isLive(qr.expiresAt, now) ? qr.landingUrl : undefined;
  }

  /** Where a merchant redirect code sends whoever scans it now. */
  async redirectTarget(code: string): Promise<string | undefined> {
    await this.deps.database.durable();
    const qr = await qrStore.redirectByCode(this.deps.database.db, code);
    return qr && isLive(qr.expiresAt, this.now()) ? qr.redirectUrl : undefined;
  }

  /**
   * A QR's decoded content, scanned with the Vipps app by a test user: a merchant redirect code
   * leads to its target; a callback code checks the user in (webhook and all).
   */
  async scan(content: string, phoneNumber: string): Promise<Result<Scanned, ScanRefusal>> {
    const base = this.deps.publicUrl();
    const text = content.trim();
    if (text.startsWith(`${base}${SCAN_PATH}`)) {
      const code = text.slice(base.length + SCAN_PATH.length);
      await this.deps.database.durable();
      const qr = await qrStore.redirectByCode(this.deps.database.db, code);
      if (!qr || !isLive(qr.expiresAt, this.now())) return { ok: false, problem: { reason: 'unknown-code' } };
      return { ok: true, value: { kind: 'merchant-redirect', msn: qr.msn, id: qr.id, target: qr.redirectUrl } };
    }
    if (text.startsWith(`${base}${CHECK_IN_PATH}`)) return this.checkIn(text.slice(base.length + CHECK_IN_PATH.length), phoneNumber);
    return { ok: false, problem: { reason: 'unknown-code' } };
  }

  /** Deletes the codes whose time is up (merchant redirects with a ttl, one-time payment QRs) and old customer tokens; returns how many. */
  async expireDue(): Promise<number> {
    if (!(await qrStore.anyExpired(this.deps.database.db, this.now()))) return 0;
    return this.deps.database.commands.run((trx) => qrStore.deleteExpired(trx, this.now()));
  }
}
