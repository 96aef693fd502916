// A second relying party, oauth4webapi, for the token endpoint's two authentication methods: the
// sales unit's setting decides which one is accepted (reference B3), the other is invalid_client.
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { authorizeUrl, BASE, login, registerClient, REDIRECT } from './helpers.js';

let emu: TestEmulator;
let as: oauth.AuthorizationServer;
let client: oauth.Client;
const insecure = { [oauth.allowInsecureRequests]: true };

beforeAll(async () => {
  emu = await startTestEmulator();
  await registerClient(emu);
  const issuer = new URL(`${emu.url}${BASE}/`);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  client = { client_id: emu.merchant.clientId };
});
afterAll(async () => {
  await emu?.close();
});

/** A code from a whole login, with the PKCE verifier it was asked with. */
async function code() {
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  for (const [k, v] of new URL(authorizeUrl(emu, { code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', nonce: 'nonce-1234' })).searchParams) url.searchParams.set(k, v);
  const { redirect } = await login(emu, url.href);
  return { params: oauth.validateAuthResponse(as, client, redirect, 'state-12345'), verifier };
}

const exchange = async (auth: oauth.ClientAuth) => {
  const { params, verifier } = await code();
  const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure);
  return { response, result: () => oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: 'nonce-1234', requireIdToken: true }) };
};

describe('token endpoint authentication with oauth4webapi', () => {
  it('client_secret_basic (the default) is accepted and its ID token validates; client_secret_post is refused', async () => {
    const ok = await exchange(oauth.ClientSecretBasic(emu.merchant.clientSecret));
    const tokens = await ok.result();
    expect(tokens.access_token).toBeTruthy();
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ iss: as.issuer, aud: [emu.merchant.clientId], nonce: 'nonce-1234' });
    const refused = await exchange(oauth.ClientSecretPost(emu.merchant.clientSecret));
    expect(refused.response.status).toBe(401);
    await expect(refused.result()).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('after switching the sales unit to client_secret_post, post is accepted and basic refused', async () => {
    await registerClient(emu, { tokenEndpointAuthMethod: 'client_secret_post' });
    const ok = await exchange(oauth.ClientSecretPost(emu.merchant.clientSecret));
    expect((await ok.result()).access_token).toBeTruthy();
    const refused = await exchange(oauth.ClientSecretBasic(emu.merchant.clientSecret));
    expect(refused.response.status).toBe(401);
    await expect(refused.result()).rejects.toMatchObject({ error: 'invalid_client' });
  });
});
