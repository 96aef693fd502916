/**
 * The code flow's ID token as Vipps issues it (reference B4), made from the one oidc-provider
 * signed: `aud` an array with the client id, `nonce` "" when the client sent none, `rat` (when the
 * authorization request arrived) and `sid` (the browser session). oidc-provider fixes `aud` to a
 * string and has no `rat`, so the token endpoint's answer is re-signed with the same key (same
 * `kid`, same header); every other claim, `at_hash` included, stays as oidc-provider made it.
 */
import { CompactSign, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';

export interface VippsClaimsInput {
  /** Epoch seconds of the authorization request. */
  rat: number;
  /** The browser session the login belongs to. */
  sid: string | undefined;
}

/** Pure: oidc-provider's ID token claims → Vipps' claims. */
export function vippsIdTokenClaims(claims: Record<string, unknown>, input: VippsClaimsInput): Record<string, unknown> {
  const out: Record<string, unknown> = { ...claims };
  if (typeof out.aud === 'string') out.aud = [out.aud];
  if (out.nonce === undefined) out.nonce = '';
  out.rat = input.rat;
  if (input.sid !== undefined && out.sid === undefined) out.sid = input.sid;
  return out;
}

/** Re-signs `idToken` with the private key its header names, its claims changed by `change`. */
export async function resignIdToken(idToken: string, signingKeys: readonly JWK[], change: (claims: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
  const header = decodeProtectedHeader(idToken);
  const jwk = signingKeys.find((k) => k.kid === header.kid);
  if (!jwk || !header.alg) throw new Error(`no private key for the ID token's kid ${String(header.kid)}`);
  const key = await importJWK(jwk, header.alg);
  const claims = change(decodeJwt(idToken) as Record<string, unknown>);
  return new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader(header as { alg: string }).sign(key);
}
