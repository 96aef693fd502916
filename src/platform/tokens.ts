import { Type, type Static } from '@sinclair/typebox';
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey, type JWK } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from './clock.js';
import { ids } from './ids.js';
import type { Merchant } from './merchants.js';

/** The constant `resource`/`aud` of Vipps access tokens (an Azure AD resource id). */
export const TOKEN_RESOURCE = '00000002-0000-0000-c000-000000000000';
/** MT tokens live one hour (production: 24 hours). */
export const TOKEN_LIFETIME_SECONDS = 3599;
/** The real `not_before` lies about five minutes before issue. */
const NOT_BEFORE_SKEW_SECONDS = 300;

/** The Access Token API's answer (Azure AD's v1 client-credentials body: every number is a string). */
export const AccessTokenResponse = Type.Object({
  token_type: Type.Literal('Bearer'),
  expires_in: Type.String({ description: 'Seconds, as a string' }),
  ext_expires_in: Type.String(),
  expires_on: Type.String({ description: 'Unix time, as a string' }),
  not_before: Type.String({ description: 'Unix time, as a string' }),
  resource: Type.String(),
  access_token: Type.String({ description: 'RS256 JWT' }),
});
export type AccessTokenResponse = Static<typeof AccessTokenResponse>;

export type Verification = { ok: true; clientId: string; expiresAt: number } | { ok: false; reason: 'invalid' | 'expired' };

/**
 * Issues and verifies RS256 access tokens. The signing key is generated on first start and kept
 * in the database, so tokens outlive a restart of the same data directory. Verification results
 * are cached per token string: a signature is checked once, expiry on every use.
 */
export class TokenService {
  private privateKey!: CryptoKey | Uint8Array;
  private publicKey!: CryptoKey | Uint8Array;
  private publicJwk!: JWK;
  private kid!: string;
  private tenant!: string;
  private cache = new Map<string, { clientId: string; exp: number }>();
  /** The key being made, until it is there. */
  private pending: Promise<void> | undefined;

  constructor(private readonly db: Kysely<Database>, private readonly clock: Clock) {}

  /**
   * Reads the signing key, or on a first start (and every `--ephemeral` one) begins making it: an
   * RSA key takes 100-300 ms of CPU, made on libuv's thread pool while the rest of the emulator
   * starts (docs/decisions.md 237). Tokens and the key set wait for it; `settled` before closing.
   */
  async init(): Promise<void> {
    this.tenant = await this.tenantId();
    const row = await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').executeTakeFirst();
    if (row) await this.use(row);
    else {
      this.pending = this.generate();
      // Not lost: issue, verify and jwks wait for it and see its failure.
      this.pending.catch(() => undefined);
    }
  }

  /** Resolves once no key is being made (a close must not pull the database from under it). */
  async settled(): Promise<void> {
    await this.pending?.catch(() => undefined);
  }

  private async generate(): Promise<void> {
    const pair = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
    const kid = ids.hex(16);
    const priv = { ...(await exportJWK(pair.privateKey)), kid, alg: 'RS256' };
    const pub = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
    const row = { kid, private_jwk: JSON.stringify(priv), public_jwk: JSON.stringify(pub), created_at: this.clock.now().toISOString() };
    await this.db.insertInto('signing_keys').values(row).execute();
    await this.use(row);
    this.pending = undefined;
  }

  private async use(row: { kid: string; public_jwk: string; private_jwk: string }): Promise<void> {
    this.kid = row.kid;
    this.publicJwk = JSON.parse(row.public_jwk) as JWK;
    this.privateKey = await importJWK(JSON.parse(row.private_jwk) as JWK, 'RS256');
    this.publicKey = await importJWK(this.publicJwk, 'RS256');
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    if (this.pending) await this.pending;
    return { keys: [this.publicJwk] };
  }

  async issue(merchant: Merchant): Promise<AccessTokenResponse> {
    if (this.pending) await this.pending;
    const issued = Math.floor(this.clock.now().getTime() / 1000);
    const notBefore = issued - NOT_BEFORE_SKEW_SECONDS;
    const expiresOn = issued + TOKEN_LIFETIME_SECONDS;
    const jwt = await new SignJWT({
      appid: merchant.clientId,
      appidacr: '1',
      idp: `https://sts.windows.net/${this.tenant}/`,
      tid: this.tenant,
      uti: ids.token(16),
      ver: '1.0',
    })
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: this.kid, x5t: this.kid })
      .setAudience(TOKEN_RESOURCE)
      .setIssuer(`https://sts.windows.net/${this.tenant}/`)
      .setSubject(merchant.clientId)
      .setIssuedAt(notBefore)
      .setNotBefore(notBefore)
      .setExpirationTime(expiresOn)
      .sign(this.privateKey);
    return {
      token_type: 'Bearer',
      expires_in: String(TOKEN_LIFETIME_SECONDS),
      ext_expires_in: String(TOKEN_LIFETIME_SECONDS),
      expires_on: String(expiresOn),
      not_before: String(notBefore),
      resource: TOKEN_RESOURCE,
      access_token: jwt,
    };
  }

  /** The verification of a token verified before (no signature check again), or undefined. */
  verifyKnown(token: string): Verification | undefined {
    const cached = this.cache.get(token);
    if (!cached) return undefined;
    return this.clock.now().getTime() / 1000 < cached.exp ? { ok: true, clientId: cached.clientId, expiresAt: cached.exp } : { ok: false, reason: 'expired' };
  }

  async verify(token: string): Promise<Verification> {
    const known = this.verifyKnown(token);
    if (known) return known;
    if (this.pending) await this.pending;
    const nowSeconds = this.clock.now().getTime() / 1000;
    try {
      // Expiry is checked against the emulator's clock below, not by jose against the system time.
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ['RS256'],
        audience: TOKEN_RESOURCE,
        issuer: `https://sts.windows.net/${this.tenant}/`,
        currentDate: this.clock.now(),
        clockTolerance: Number.MAX_SAFE_INTEGER,
      });
      const clientId = typeof payload.appid === 'string' ? payload.appid : undefined;
      if (!clientId || typeof payload.exp !== 'number') return { ok: false, reason: 'invalid' };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(token, { clientId, exp: payload.exp });
      return nowSeconds < payload.exp ? { ok: true, clientId, expiresAt: payload.exp } : { ok: false, reason: 'expired' };
    } catch {
      return { ok: false, reason: 'invalid' };
    }
  }

  private async tenantId(): Promise<string> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', 'tenant_id').executeTakeFirst();
    if (row) return row.value;
    const value = ids.uuid();
    await this.db.insertInto('settings').values({ key: 'tenant_id', value }).execute();
    return value;
  }
}
