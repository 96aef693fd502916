/**
 * The token in an agreement's vippsConfirmationUrl: `rcr_`, a random secret, then the agreement's
 * key (MSN and id) in base64url. The landing page finds its agreement by primary key, so no index
 * over random tokens is kept: every draft inserted into that index landed on another B-tree page,
 * one more 4 KiB WAL frame per draft in each group commit (decision 240; ePayment's decision 14).
 * The secret makes a link unguessable; the key part only says where to look, and the whole token
 * must still equal the stored one.
 */
const PREFIX = 'rcr_';
const SECRET_LENGTH = 22; // 16 random bytes in base64url
const KEY = /^([0-9]{4,6}):([A-Za-z0-9_-]{1,36})$/;

export const agreementToken = {
  secretBytes: 16,

  /** `secret` is 16 random bytes in base64url (ids.token(16)). */
  mint(msn: string, id: string, secret: string): string {
    return `${PREFIX}${secret}${Buffer.from(`${msn}:${id}`).toString('base64url')}`;
  },

  /** The agreement a token points at, or undefined when it is not a token of this form. */
  key(token: string): { msn: string; id: string } | undefined {
    if (!token.startsWith(PREFIX) || token.length <= PREFIX.length + SECRET_LENGTH) return undefined;
    const match = KEY.exec(Buffer.from(token.slice(PREFIX.length + SECRET_LENGTH), 'base64url').toString('latin1'));
    return match ? { msn: match[1]!, id: match[2]! } : undefined;
  },
};

/** Tokens minted before recurring_0002: `rcr_` and 24 random bytes, found by a scan of the column. */
export const isLegacyAgreementToken = (token: string) => /^rcr_[A-Za-z0-9_-]{32}$/.test(token);
