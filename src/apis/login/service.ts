/**
 * The Login API's commands: the OpenID Provider (built on the current signing keys, rebuilt when
 * they rotate), the merchants' client settings, and the logins waiting for the user in the app
 * (login page and CIBA). Every write is one command on the command queue.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import type Provider from 'oidc-provider';
import type { Platform } from '../module.js';
import { subjectOf } from '../../platform/consents.js';
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { TestUser } from '../../platform/test-users.js';
import { inboxStore, type InboxKey } from '../../platform/user-inbox.js';
import { CIBA_INTERVAL, consentNeeded, fromProviderUri, decide, redeemable, isExpired, PUBLISHED_KEYS, rotationDue, TTL, type ClientSettings, type Decision, type LoginKind, type LoginRequest } from './domain.js';
import type { CibaStart } from './provider.js';
import { adapterClass } from './adapter.js';
import { resignIdToken, vippsIdTokenClaims } from './vipps-id-token.js';
import { clientStore, keyStore, oidcStore, requestStore } from './store.js';

export const CONSENT_REVOKED = 'login.consent-revoked.v1';

export type DecideReply = { ok: true; request: LoginRequest } | { ok: false; status: number; message: string };

export class LoginService {
  private built?: { provider: Provider; handler: ReturnType<Provider['callback']>; kids: string; issuer: string };

  constructor(private readonly platform: Platform) {}

  get issuer(): string {
    return `${this.platform.publicUrl()}/access-management-1.0/access/`;
  }

  // ---- keys ----

  /** The signing keys (newest first, at most the current and the previous) and the cookie secret; made on first use. */
  private async keys(): Promise<{ signing: JWK[]; cookie: string[]; kids: string }> {
    const db = this.platform.database.db;
    let sig = await keyStore.list(db, 'sig');
    let cookie = await keyStore.list(db, 'cookie');
    if (sig.length === 0 || cookie.length === 0) {
      await this.platform.database.commands.run(async (trx) => {
        // Another instance may have made them meanwhile: look again inside the transaction.
        if ((await keyStore.list(trx, 'sig')).length === 0) await keyStore.insert(trx, this.newSigningKey());
        if ((await keyStore.list(trx, 'cookie')).length === 0) await keyStore.insert(trx, { kid: `cookie:${randomUUID()}`, kind: 'cookie', private_jwk: randomBytes(32).toString('base64url'), created_at: this.platform.clock.now().toISOString() });
      });
      sig = await keyStore.list(db, 'sig');
      cookie = await keyStore.list(db, 'cookie');
    }
    const published = sig.slice(0, PUBLISHED_KEYS);
    return { signing: published.map((k) => JSON.parse(k.private_jwk) as JWK), cookie: cookie.map((c) => c.private_jwk), kids: published.map((k) => k.kid).join(',') };
  }

  private newSigningKey() {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    // Vipps' key ids look like `public:<uuid>`.
    const kid = `public:${randomUUID()}`;
    const jwk = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' };
    return { kid, kind: 'sig', private_jwk: JSON.stringify(jwk), created_at: this.platform.clock.now().toISOString() };
  }

  /** A new signing key becomes the current one; the previous stays published, older ones go. */
  async rotateKeys(onlyIfDue = false): Promise<{ kid: string } | undefined> {
    const key = this.newSigningKey();
    const rotated = await this.platform.database.commands.run(async (trx) => {
      const current = await keyStore.list(trx, 'sig');
      // A clock jump and the sweep may both find the key due: the second finds the new key and stops.
      if (onlyIfDue && !rotationDue(current[0]?.created_at, this.platform.clock.now())) return false;
      await keyStore.insert(trx, key);
      await keyStore.remove(trx, [key, ...current].slice(PUBLISHED_KEYS).map((k) => k.kid));
      return true;
    });
    await this.refresh();
    return rotated ? { kid: key.kid } : undefined;
  }

  /** Clock work: rotate when the current key is old enough (on the emulator clock); drop expired provider state. */
  async onClock(): Promise<void> {
    const newest = (await keyStore.list(this.platform.database.db, 'sig'))[0];
    if (newest && rotationDue(newest.created_at, this.platform.clock.now())) await this.rotateKeys(true);
    // Only a sweep that finds something to delete writes (the sweep runs every second).
    if (await oidcStore.anyExpired(this.platform.database.db, this.platform.clock.now())) {
      await this.platform.database.commands.run((trx) => oidcStore.deleteExpired(trx, this.platform.clock.now()));
    }
  }

  /** Shared mode and after a rotation: rebuild the provider when another instance rotated the keys. */
  async refresh(): Promise<void> {
    if (!this.built) return;
    const keys = await this.keys();
    if (keys.kids !== this.built.kids) this.built = undefined;
  }

  async provider(): Promise<{ provider: Provider; handler: ReturnType<Provider['callback']> }> {
    if (this.built && this.built.issuer === this.issuer) return this.built;
    const keys = await this.keys();
    // oidc-provider is loaded with the first login, not at start (about half a second of start-up).
    const { buildProvider } = await import('./provider.js');
    const provider = buildProvider(this.issuer, keys.signing, keys.cookie, {
      database: this.platform.database,
      clock: this.platform.clock,
      merchants: this.platform.merchants,
      userOf: (msn, sub) => this.userOf(msn, sub),
      userByPhone: (phone) => this.platform.users.find(phone),
      consentedScopes: (msn, sub) => this.consentedScopes(msn, sub),
      startCiba: (input) => this.startCiba(input),
      redeemRedirectCode: (code, msn) => this.redeemRedirectCode(code, msn),
    });
    // CIBA's start response carries the polling interval (reference B7); oidc-provider 8 has none.
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.oidc?.route === 'backchannel_authentication' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') ctx.body = { ...ctx.body, interval: CIBA_INTERVAL };
    });
    this.vippsTokenResponses(provider, keys.signing);
    this.built = { provider, handler: provider.callback(), kids: keys.kids, issuer: this.issuer };
    return this.built;
  }

  /**
   * The code flow's answers as Vipps gives them (reference B3, B4): when a code is issued, the time
   * of its authorization request is kept beside it (`rat`: the interaction's start, or now for a
   * remembered browser); the token endpoint's ID token gets `aud` as an array, `nonce` "", `rat`
   * and `sid`, re-signed with the same key, and `token_type` is `bearer`.
   */
  private vippsTokenResponses(provider: Provider, signingKeys: JWK[]): void {
    const Adapter = adapterClass({ database: this.platform.database, clock: this.platform.clock, merchants: this.platform.merchants });
    const requestedAt = new Adapter('RequestedAt');
    provider.use(async (ctx, next) => {
      await next();
      const location = ctx.response.get('location');
      if (location) ctx.set('location', fromProviderUri(location));
      const route = ctx.oidc?.route;
      const code = ctx.oidc?.entities.AuthorizationCode;
      if ((route === 'authorization' || route === 'resume') && code?.jti) {
        const rat = ctx.oidc.entities.Interaction?.iat ?? Math.floor(Date.now() / 1000);
        await requestedAt.upsert(code.jti, { rat }, TTL.code);
        return;
      }
      const body = ctx.body as Record<string, unknown> | undefined;
      if (route !== 'token' || ctx.status !== 200 || !code?.jti || typeof body?.id_token !== 'string') return;
      const stored = await requestedAt.find(code.jti);
      const rat = typeof stored?.rat === 'number' ? stored.rat : Number(code.iat);
      const id_token = await resignIdToken(body.id_token, signingKeys, (claims) => vippsIdTokenClaims(claims, { rat, sid: code.sessionUid }));
      ctx.body = { ...body, id_token, token_type: 'bearer' };
    });
  }

  /** The public keys of the JWKS (what the provider publishes). */
  async publicJwks(): Promise<{ keys: JWK[] }> {
    const { signing } = await this.keys();
    return { keys: signing.map(({ kid, kty, n, e, alg, use }) => ({ kid, kty, n, e, alg, use }) as JWK) };
  }

  // ---- users and consents ----

  async userOf(msn: string, sub: string): Promise<TestUser | undefined> {
    return (await this.platform.users.list()).find((u) => subjectOf(msn, u) === sub);
  }

  async consentedScopes(msn: string, sub: string): Promise<Set<string>> {
    const mine = (await this.platform.consents.bySub(sub)).find((c) => c.msn === msn);
    return new Set(mine ? Object.keys(mine.scopes) : []);
  }

  // ---- client settings ----

  settings(msn: string): Promise<ClientSettings> {
    return clientStore.settings(this.platform.database.db, msn);
  }

  async saveSettings(msn: string, s: ClientSettings): Promise<ClientSettings> {
    await this.platform.database.commands.run((trx) => clientStore.save(trx, msn, s, this.platform.clock.now()));
    return s;
  }

  // ---- logins waiting in the app ----

  private newRequest(kind: LoginKind, id: string, msn: string, phoneNumber: string, scope: string, ttlSeconds: number, extra: Partial<LoginRequest> = {}): LoginRequest {
    const now = this.platform.clock.now();
    return { id, kind, msn, phoneNumber, scope, token: randomBytes(24).toString('base64url'), status: 'pending', createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlSeconds * 1000).toISOString(), ...extra };
  }

  /**
   * The login page: the user typed a phone number, and the login goes to that user's app; or
   * (`phoneNumber` '') the page shows a QR code, and the login goes to whoever scans it.
   */
  async startBrowser(id: string, msn: string, phoneNumber: string, scope: string, how: { appToApp?: { appCallbackUri: string; state?: string } | undefined; appSwitch?: boolean } = {}): Promise<LoginRequest> {
    const request = this.newRequest('browser', id, msn, phoneNumber, scope, TTL.loginRequest, { ...how.appToApp, ...(how.appSwitch ? { appSwitch: true } : {}) });
    await this.platform.database.commands.run(async (trx) => {
      // Another number typed, or a retry after expiry: the new request replaces the old one.
      await requestStore.remove(trx, id);
      await requestStore.insert(trx, request);
      if (phoneNumber) await this.platform.inbox.deliver(trx, { msn, key: inboxKey(request) }, phoneNumber, how.appSwitch ? 'APP_SWITCH' : 'PUSH_MESSAGE');
    });
    return request;
  }

  /** A QR login scanned in the app (inside the scan's command): it becomes the scanner's. */
  async scanned(trx: Transaction<Database>, key: InboxKey): Promise<void> {
    const phone = await inboxStore.recipient(trx, key);
    const r = await requestStore.byId(trx, key.key.slice('login/'.length));
    if (phone && r && r.phoneNumber === '' && r.status === 'pending') await requestStore.update(trx, { ...r, phoneNumber: phone });
  }

  async startCiba(input: CibaStart): Promise<void> {
    const extra: Partial<LoginRequest> = {
      ...(input.bindingMessage ? { bindingMessage: input.bindingMessage } : {}),
      // The code is made now (the app sends the browser on with it) and is good only once the user confirmed.
      ...(input.redirect ? { redirectUri: input.redirect.uri, code: randomBytes(24).toString('base64url'), ...(input.redirect.state === undefined ? {} : { state: input.redirect.state }) } : {}),
    };
    const request = this.newRequest(input.redirect ? 'ciba-redirect' : 'ciba', input.id, input.msn, input.phoneNumber, input.scope, input.expiresIn, extra);
    await this.platform.database.commands.run(async (trx) => {
      await requestStore.insert(trx, request);
      await this.platform.inbox.deliver(trx, { msn: input.msn, key: inboxKey(request) }, input.phoneNumber, 'PUSH_MESSAGE');
    });
  }

  byId(id: string) {
    return requestStore.byId(this.platform.database.db, id);
  }
  byToken(token: string) {
    return requestStore.byToken(this.platform.database.db, token);
  }
  many(ids: readonly string[]) {
    return requestStore.many(this.platform.database.db, ids);
  }

  isExpired(r: LoginRequest): boolean {
    return isExpired(r, this.platform.clock.now());
  }

  /** The user confirms (consenting to the requested scopes) or refuses in the app: one command. */
  async decide(requestId: string, decision: Decision, user: TestUser): Promise<DecideReply> {
    return this.platform.database.commands.run(async (trx) => {
      const found = await requestStore.byId(trx, requestId);
      if (!found) return { ok: false, status: 404, message: 'This login request no longer exists.' };
      const now = this.platform.clock.now();
      const r = decide(found, decision, user.phoneNumber, now);
      if (!r.ok) {
        const message = { expired: 'This login request has expired.', decided: 'This login request was already answered.', 'not-yours': 'This login request is for another user.' }[r.reason];
        return { ok: false, status: r.reason === 'not-yours' ? 404 : 409, message };
      }
      await requestStore.update(trx, r.request);
      if (r.request.status === 'approved') await this.platform.consents.grant(trx, { msn: r.request.msn, user, scope: r.request.scope, at: now });
      return { ok: true, request: r.request };
    });
  }

  /** CIBA login_to_webpage: the approved login behind a code, which is then used up (one command). */
  async redeemRedirectCode(code: string, msn: string): Promise<LoginRequest | undefined> {
    if (!code) return undefined;
    return this.platform.database.commands.run(async (trx) => {
      const r = await requestStore.byCode(trx, code);
      if (!r || !redeemable(r, msn, this.platform.clock.now())) return undefined;
      const { code: _used, ...rest } = r;
      await requestStore.update(trx, rest);
      return r;
    });
  }

  /** CIBA poll bookkeeping: the time of this poll (the next one must wait the interval). */
  async recordPoll(r: LoginRequest): Promise<void> {
    await this.platform.database.commands.run((trx) => requestStore.update(trx, { ...r, lastPolledAt: this.platform.clock.now().toISOString() }));
  }

  /** "Remove consent" in the app: the consents go, and the sales unit hears of it (consent-revoked). */
  async revokeConsent(msn: string, user: TestUser): Promise<string[]> {
    const sub = subjectOf(msn, user);
    const now = this.platform.clock.now();
    const iat = Math.floor(now.getTime() / 1000);
    return this.platform.database.commands.run(async (trx) => {
      const scopes = await this.platform.consents.revoke(trx, msn, sub);
      await this.platform.events.publish(trx, [{ type: CONSENT_REVOKED, msn, reference: sub, seq: iat, payload: { sub, event: 'CONSENT_REVOKED', iat, nbf: iat, exp: iat + 3600, msn } }]);
      return scopes;
    });
  }

  consentNeeded(r: LoginRequest, consented: Set<string>) {
    return consentNeeded(r.scope, consented);
  }
}

/** The inbox key of a login: `login/<id>` (no payment reference has a '/'). */
export const inboxKey = (r: Pick<LoginRequest, 'id'>) => `login/${r.id}`;
