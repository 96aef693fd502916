/**
 * Access tokens that users' logins gave a merchant (Vipps Login), and what each one may read: the
 * Login API issues them, the Userinfo API answers `GET /vipps-userinfo-api/userinfo` with them.
 * The issuing API registers a resolver; neither imports the other.
 */

/** What a user's access token grants: the user (by sub, for a sales unit) and the scopes of the login. */
export interface UserTokenGrant {
  msn: string;
  sub: string;
  /** Space-separated, as granted. */
  scope: string;
}

export type UserTokenResolver = (token: string) => Promise<UserTokenGrant | undefined>;

export class UserTokens {
  private readonly resolvers: UserTokenResolver[] = [];

  /** Called by the issuing API's module in its start. */
  register(resolver: UserTokenResolver): void {
    this.resolvers.push(resolver);
  }

  /** The grant behind a token, if a registered issuer knows it and it is still valid. */
  async resolve(token: string): Promise<UserTokenGrant | undefined> {
    for (const resolve of this.resolvers) {
      const grant = await resolve(token);
      if (grant) return grant;
    }
    return undefined;
  }
}
