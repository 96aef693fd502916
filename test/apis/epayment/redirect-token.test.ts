import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLegacyToken, redirectToken } from '../../../src/apis/epayment/redirect-token.js';
import { paymentStore } from '../../../src/apis/epayment/store.js';
import { ids } from '../../../src/platform/ids.js';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';

/** The web routes' token check (src/apis/userside/routes.ts): a minted token must pass it to reach the lookup. */
const WEB_TOKEN = /^[A-Za-z0-9_-]{8,128}$/;
const SECRET_LENGTH = 22;

const secret = () => randomBytes(16).toString('base64url');
const b64 = (s: string) => Buffer.from(s).toString('base64url');
const msnArb = fc.stringMatching(/^[0-9]{4,6}$/);
const referenceArb = fc.stringMatching(/^[a-zA-Z0-9-]{1,50}$/);

/**
 * Another spelling of the same token: base64url's last character carries unused low bits, which a
 * decoder ignores, so the key decodes the same while the token string differs. Undefined when the
 * key part has no unused bits (its byte length is a multiple of 3).
 */
function sameKeyOtherSpelling(token: string): string | undefined {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const key = redirectToken.key(token);
  for (const c of alphabet) {
    const candidate = token.slice(0, -1) + c;
    if (candidate === token) continue;
    const k = redirectToken.key(candidate);
    if (k && k.msn === key?.msn && k.reference === key?.reference) return candidate;
  }
  return undefined;
}

describe('redirectToken (unit)', () => {
  it('mint → key round-trips for every MSN of 4–6 digits and reference of up to 50 [a-zA-Z0-9-] characters', () => {
    fc.assert(
      fc.property(msnArb, referenceArb, (msn, reference) => {
        const s = secret();
        expect(s).toHaveLength(SECRET_LENGTH);
        const token = redirectToken.mint(msn, reference, s);
        expect(token.startsWith(s)).toBe(true);
        expect(token.slice(SECRET_LENGTH)).toBe(b64(`${msn}:${reference}`));
        expect(redirectToken.key(token)).toEqual({ msn, reference });
        // The landing page only looks up tokens that pass its syntax check.
        expect(token).toMatch(WEB_TOKEN);
      }),
      { numRuns: 500 },
    );
  });

  it('the extremes: shortest and longest MSN and reference', () => {
    for (const [msn, reference] of [
      ['1000', 'a'],
      ['999999', 'Z'.repeat(50)],
      ['123456', '-'.repeat(50)],
      ['0000', '0-a-Z-9'],
    ] as const) {
      const token = redirectToken.mint(msn, reference, secret());
      expect(redirectToken.key(token)).toEqual({ msn, reference });
      expect(token).toMatch(WEB_TOKEN);
      expect(token.length).toBeLessThanOrEqual(128);
    }
  });

  it('two tokens for the same payment differ in the secret, never in the key', () => {
    const a = redirectToken.mint('123456', 'order-1', secret());
    const b = redirectToken.mint('123456', 'order-1', secret());
    expect(a).not.toBe(b);
    expect(a.slice(SECRET_LENGTH)).toBe(b.slice(SECRET_LENGTH));
    expect(redirectToken.key(a)).toEqual(redirectToken.key(b));
  });

  it('key() is undefined for short and garbage tokens', () => {
    const s = secret();
    const cases = [
      '',
      'A',
      s, // the secret alone: nothing after it
      s.slice(0, 21),
      'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', // the pages test's unknown token: key part decodes to zero bytes
      ids.token(), // a legacy token: 24 random bytes
      s + b64('abcd:order-1'), // MSN not digits
      s + b64('123:order-1'), // MSN too short
      s + b64('1234567:order-1'), // MSN too long
      s + b64('1234:'), // no reference
      s + b64('1234'), // no separator
      s + b64('1234:order 1'), // space in the reference
      s + b64('1234:order_1'), // underscore in the reference
      s + b64(`1234:${'a'.repeat(65)}`), // reference too long for the column
      s + b64('1234:order-1\n'), // trailing newline
      s + b64(' 1234:order-1'), // leading space
      s + b64('1234:order-1:extra'),
      s + b64('1234:ordér-1'), // non-ASCII
      s + '!!!!!!!!', // not base64url at all
    ];
    for (const token of cases) expect(redirectToken.key(token), JSON.stringify(token)).toBeUndefined();
  });

  it('the key part is read after exactly 22 characters: one character more or less in the secret breaks it', () => {
    const s = secret();
    const key = b64('123456:order-12345');
    expect(redirectToken.key(s + key)).toEqual({ msn: '123456', reference: 'order-12345' });
    expect(redirectToken.key(s.slice(1) + key)).toBeUndefined();
    expect(redirectToken.key(s + 'A' + key)).toBeUndefined();
  });

  it('isLegacyToken: true for the old 32-character tokens, false for tokens of API references (8–50 characters)', () => {
    for (let i = 0; i < 50; i++) expect(isLegacyToken(ids.token())).toBe(true);
    expect(ids.token()).toHaveLength(32);
    fc.assert(
      fc.property(msnArb, fc.stringMatching(/^[a-zA-Z0-9-]{8,50}$/), (msn, reference) => {
        expect(isLegacyToken(redirectToken.mint(msn, reference, secret()))).toBe(false);
      }),
    );
    expect(isLegacyToken('A'.repeat(31))).toBe(false);
    expect(isLegacyToken('A'.repeat(33))).toBe(false);
    expect(isLegacyToken(`${'A'.repeat(31)}=`)).toBe(false);
  });

  it('secretBytes is 16, which base64url-encodes to the 22 characters key() skips', () => {
    expect(redirectToken.secretBytes).toBe(16);
    expect(randomBytes(redirectToken.secretBytes).toString('base64url')).toHaveLength(SECRET_LENGTH);
    expect(ids.token(redirectToken.secretBytes)).toHaveLength(SECRET_LENGTH);
  });
});

describe('redirect tokens end to end', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  const page = (path: string) => fetch(`${emu.url}${path}`, { redirect: 'manual' });
  const landing = (token: string) => page(`/landing?token=${encodeURIComponent(token)}`);
  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

  it("a created payment's redirectUrl carries a token of the new form that opens the landing page", async () => {
    const { reference, response } = await emu.createPayment();
    expect(response.status).toBe(201);
    const url = response.body.redirectUrl as string;
    expect(url).toMatch(new RegExp(`^${emu.url}/landing\\?token=`));
    const token = tokenOf(url);
    expect(token).toMatch(WEB_TOKEN);
    expect(isLegacyToken(token)).toBe(false);
    expect(redirectToken.key(token)).toEqual({ msn: emu.merchant.msn, reference });
    expect(token.slice(SECRET_LENGTH)).toBe(b64(`${emu.merchant.msn}:${reference}`));

    // The stored token is the one in the URL.
    const row = await emu.ctx.database.db.selectFrom('epayment_payments').select(['redirect_token']).where('reference', '=', reference).executeTakeFirstOrThrow();
    expect(row.redirect_token).toBe(token);

    const res = await page(new URL(url).pathname + new URL(url).search);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('Devkit Test Shop');
    expect(html).not.toContain('No payment belongs to this link');
  });

  it('a token whose secret is altered (same key part) is a 404, and the real token still works', async () => {
    const { response } = await emu.createPayment();
    const token = tokenOf(response.body.redirectUrl);
    const first = token[0]!;
    const altered = (first === 'A' ? 'B' : 'A') + token.slice(1);
    expect(altered).toMatch(WEB_TOKEN);
    expect(redirectToken.key(altered)).toEqual(redirectToken.key(token));

    const res = await landing(altered);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('No payment belongs to this link');

    // A whole new secret for the same key is just as unknown.
    const forged = redirectToken.mint(emu.merchant.msn, redirectToken.key(token)!.reference, secret());
    expect((await landing(forged)).status).toBe(404);

    expect((await landing(token)).status).toBe(200);
  });

  it("one payment's secret with another payment's key part is a 404", async () => {
    const a = tokenOf((await emu.createPayment()).response.body.redirectUrl);
    const b = tokenOf((await emu.createPayment()).response.body.redirectUrl);
    const mixed = a.slice(0, SECRET_LENGTH) + b.slice(SECRET_LENGTH);
    expect(redirectToken.key(mixed)).toEqual(redirectToken.key(b));
    expect((await landing(mixed)).status).toBe(404);
    expect((await landing(a)).status).toBe(200);
    expect((await landing(b)).status).toBe(200);
  });

  it('another spelling of the key part that decodes to the same key is a 404: the whole token must match', async () => {
    // 9-character reference: "msn:reference" is not a multiple of 3 bytes, so the last base64url character has spare bits.
    const msn = emu.merchant.msn;
    let reference = '';
    for (let n = 8; n <= 50 && !reference; n++) if ((msn.length + 1 + n) % 3 !== 0) reference = `r${'x'.repeat(n - 1)}`;
    const { response } = await emu.createPayment({ reference });
    expect(response.status).toBe(201);
    const token = tokenOf(response.body.redirectUrl);
    const variant = sameKeyOtherSpelling(token);
    expect(variant, 'a second spelling of the key part exists').toBeDefined();
    expect(variant).toMatch(WEB_TOKEN);
    expect((await landing(variant!)).status).toBe(404);
    expect((await landing(token)).status).toBe(200);
  });

  it('a well-formed token for a payment that does not exist is a 404, a malformed one a 400', async () => {
    expect((await landing(redirectToken.mint(emu.merchant.msn, 'no-such-order-1', secret()))).status).toBe(404);
    expect((await landing(redirectToken.mint('9999', 'no-such-order-2', secret()))).status).toBe(404);
    expect((await landing(ids.token())).status).toBe(404); // legacy form, no such token stored
    expect((await landing('short')).status).toBe(400);
  });

  it('paymentStore.loadByToken finds the payment by the exact token only', async () => {
    const { reference, response } = await emu.createPayment();
    const token = tokenOf(response.body.redirectUrl);
    const db = emu.ctx.database.db;
    const found = await paymentStore.loadByToken(db, token);
    expect(found?.payment.reference).toBe(reference);
    expect(found?.payment.msn).toBe(emu.merchant.msn);
    expect(found?.payment.redirectToken).toBe(token);
    expect(await paymentStore.loadByToken(db, secret() + token.slice(SECRET_LENGTH))).toBeUndefined();
    expect(await paymentStore.loadByToken(db, token.slice(0, SECRET_LENGTH))).toBeUndefined();
    expect(await paymentStore.loadByToken(db, ids.token())).toBeUndefined();
  });
});
