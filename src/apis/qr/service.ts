import type { DatabaseHandle } from '../../db/open.js';
import type { OffsetClock } from '../../platform/clock.js';
import type { IdSource } from '../../platform/ids.js';
import {
  createOneTime,
  createRedirect,
  expiresIn,
  isLive,
  liveRedirect,
  updateRedirect,
  type ImageRequest,
  type MerchantRedirect,
  type Result,
} from './domain.js';
import type { CreateMerchantRedirectRequest, MerchantRedirectResponse } from './schemas.js';
import { qrStore } from './store.js';

export interface QrDeps {
  database: DatabaseHandle;
  clock: OffsetClock;
  ids: IdSource;
  /** The emulator's base URL: QR contents and image links point at it. */
  publicUrl: () => string;
}

/** The two kinds of code that have image links. */
export type CodeKind = 'merchant-redirect' | 'one-time';

/** What a scanned QR content leads to (the control API's "scan"). */
export type Scanned =
  | { kind: 'merchant-redirect'; msn: string; id: string; target: string }
  | { kind: 'one-time'; msn: string; target: string };

/** 16 random bytes: the code in a QR's content and image links. */
const CODE_BYTES = 16;
const SCAN_PATH = '/qr/r/';

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

  /** What the image of a live code draws (its content), or undefined: deleted, expired or never made. */
  async content(kind: CodeKind, code: string): Promise<string | undefined> {
    await this.deps.database.durable();
    const now = this.now();
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

  /** A QR's decoded content, as the Vipps app would follow it: a code of this emulator, or undefined. */
  async scan(content: string): Promise<Scanned | undefined> {
    const base = this.deps.publicUrl();
    const text = content.trim();
    if (text.startsWith(`${base}${SCAN_PATH}`)) {
      const code = text.slice(base.length + SCAN_PATH.length);
      await this.deps.database.durable();
      const qr = await qrStore.redirectByCode(this.deps.database.db, code);
      return qr && isLive(qr.expiresAt, this.now()) ? { kind: 'merchant-redirect', msn: qr.msn, id: qr.id, target: qr.redirectUrl } : undefined;
    }
    return undefined;
  }

  /** Deletes the codes whose time is up (merchant redirects with a ttl, one-time payment QRs); returns how many. */
  async expireDue(): Promise<number> {
    if (!(await qrStore.anyExpired(this.deps.database.db, this.now()))) return 0;
    return this.deps.database.commands.run((trx) => qrStore.deleteExpired(trx, this.now()));
  }
}
