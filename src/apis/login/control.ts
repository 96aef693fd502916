import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import type { Platform } from '../module.js';
import { redirectUriProblem } from './domain.js';
import { ClientSettingsBody, ClientSettingsView } from './schemas.js';
import type { LoginService } from './service.js';

const MsnParams = Type.Object({ msn: Type.String({ pattern: '^\\d{5,6}$' }) });

/**
 * Test helpers for Login under `/devkit/v1/login` (RFC 7807 errors): a merchant's Login settings
 * as the portal keeps them (allowed redirect URIs, the token endpoint's authentication method),
 * and the rotation of the ID-token signing key.
 */
export const loginControl = (platform: Platform, login: LoginService): FastifyPluginAsyncTypebox => async (app) => {
  const merchantOf = (msn: string) => {
    const m = platform.merchants.get(msn);
    if (!m) throw new ProblemError(problem(404, 'Not Found', `No merchant has the MSN ${msn}.`));
    return m;
  };
  const view = async (msn: string) => {
    const m = merchantOf(msn);
    const s = await login.settings(msn);
    return { msn, clientId: m.clientId, redirectUris: s.redirectUris, tokenEndpointAuthMethod: s.tokenEndpointAuthMethod };
  };

  app.get('/merchants/:msn', { schema: { summary: "A merchant's Login settings", params: MsnParams, response: { 200: ClientSettingsView } } }, async (request) => view(request.params.msn));

  app.put('/merchants/:msn', { schema: { summary: "Changes a merchant's Login settings (redirect URIs, token endpoint auth method)", params: MsnParams, body: ClientSettingsBody, response: { 200: ClientSettingsView } } }, async (request) => {
    const { msn } = request.params;
    merchantOf(msn);
    const current = await login.settings(msn);
    const uris = request.body.redirectUris ?? current.redirectUris;
    const bad = uris.map((u, i) => ({ i, why: redirectUriProblem(u) })).filter((b) => b.why);
    if (bad.length > 0) throw new ProblemError({ ...problem(400, 'Invalid redirect URI', bad.map((b) => `redirectUris[${b.i}] ${b.why}`).join('; ')), extraDetails: bad.map((b) => ({ name: `redirectUris[${b.i}]`, reason: b.why! })) });
    await login.saveSettings(msn, { redirectUris: [...new Set(uris)], tokenEndpointAuthMethod: request.body.tokenEndpointAuthMethod ?? current.tokenEndpointAuthMethod });
    return view(msn);
  });

  // The user answers the newest login waiting in their app, as the app's buttons do (no PIN).
  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/users/:phoneNumber/${decision}`, { schema: { summary: decision === 'approve' ? 'A test user confirms the newest login waiting in the app' : 'A test user refuses the newest login waiting in the app', params: Type.Object({ phoneNumber: Type.String({ pattern: '^\\d{8}$|^\\d{10,15}$' }) }), response: { 200: Type.Object({ id: Type.String(), status: Type.String(), scope: Type.String() }) } } }, async (request) => {
      const raw = request.params.phoneNumber;
      const user = await platform.users.find(raw.length === 8 ? `47${raw}` : raw);
      if (!user) throw new ProblemError(problem(404, 'Unknown user', `${raw} is not a test user.`));
      const waiting = (await platform.inbox.forUser(user.phoneNumber)).find((e) => e.request.login && e.request.state === 'CREATED');
      if (!waiting) throw new ProblemError(problem(404, 'Not Found', `No login is waiting in ${user.phoneNumber}'s app.`));
      const r = await login.byToken(waiting.request.token);
      const done = r ? await login.decide(r.id, decision, user) : { ok: false as const, status: 404, message: 'The login is gone.' };
      if (!done.ok) throw new ProblemError(problem(done.status, done.status === 404 ? 'Not Found' : 'Conflict', done.message));
      return { id: done.request.id, status: done.request.status, scope: done.request.scope };
    });
  }

  app.post('/keys/rotate', { schema: { summary: 'Rotates the ID-token signing key now (the previous one stays published)', response: { 200: Type.Object({ kid: Type.String() }) } } }, async () => (await login.rotateKeys())!);
};
