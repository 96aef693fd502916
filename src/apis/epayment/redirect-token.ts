/**
 * The token in a payment's redirectUrl. It carries the payment's key (MSN and reference) after a
 * random secret, so the landing page finds its payment by primary key: no index over random
 * tokens, whose inserts land on a different B-tree page every time and made that index the
 * dearest part of a create (decision 14). The secret is what makes a link unguessable; the key
 * part only says where to look, and the whole token must still equal the stored one.
 */
const SECRET_LENGTH = 22; // 16 random bytes in base64url
const KEY = /^([0-9]{4,6}):([A-Za-z0-9-]{1,64})$/;

export const redirectToken = {
  /** `secret` is 16 random bytes in base64url (ids.token(16)). */
  mint(msn: string, reference: string, secret: string): string {
    return `${secret}${Buffer.from(`${msn}:${reference}`).toString('base64url')}`;
  },

  /** The payment a token points at, or undefined when it is not a token of this form. */
  key(token: string): { msn: string; reference: string } | undefined {
    if (token.length <= SECRET_LENGTH) return undefined;
    const match = KEY.exec(Buffer.from(token.slice(SECRET_LENGTH), 'base64url').toString('latin1'));
    return match ? { msn: match[1]!, reference: match[2]! } : undefined;
  },

  secretBytes: 16,
};

/** Tokens minted before migration 0006: 24 random bytes, looked up by a scan of the column. */
export const isLegacyToken = (token: string) => /^[A-Za-z0-9_-]{32}$/.test(token);
