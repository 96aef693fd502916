import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticateHook } from '../../platform/auth.js';
import { subjectOf } from '../../platform/consents.js';
import type { Platform } from '../module.js';
import { claimsOf, consentFor, SUB_PATTERN } from './domain.js';
import { sendUserinfoProblem, userinfoErrors } from './errors.js';
import { SubParams, Userinfo, UserTokenError } from './schemas.js';

/**
 * `GET /vipps-userinfo-api/userinfo/{sub}` with the merchant's access token (payment flows): the
 * consented claims of the user behind a sub this sales unit was given (ePayment `profile.sub`, eCom
 * `sub` in the details). The subscription key may be left out, as Vipps' guides advise.
 */
export const userinfoRoutes = (platform: Platform): FastifyPluginAsyncTypebox => async (app) => {
  await app.register(userTokenRoute(platform));
  await app.register(bySubRoute(platform));
};

/**
 * `GET /vipps-userinfo-api/userinfo` with the access token of a user's login (Login API): the same
 * claims as by sub, for the scopes of that login. The token is the user's, not the merchant's:
 * no gateway authentication, an unknown or expired token is OAuth's 401 `invalid_token`.
 */
const userTokenRoute = (platform: Platform): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/vipps-userinfo-api/userinfo', { schema: { summary: 'Userinfo with the access token of a login', response: { 200: Userinfo, 401: UserTokenError } } }, async (request, reply) => {
    const auth = request.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    const refuse = (description: string) =>
      reply.code(401).header('www-authenticate', `Bearer error="invalid_token", error_description="${description}"`).send({ error: 'invalid_token', error_description: description });
    if (!token) return refuse('Send the access token of the login as Authorization: Bearer <token>.');
    const grant = await platform.userTokens.resolve(token);
    if (!grant) return refuse('The access token is unknown or has expired.');
    const consent = (await platform.consents.bySub(grant.sub)).find((c) => c.msn === grant.msn);
    const user = consent ? await platform.users.find(consent.phoneNumber) : undefined;
    const granted = new Set(grant.scope.split(' '));
    // Only what this login granted: consents given elsewhere (payments) do not widen a token.
    const scopes = Object.fromEntries(Object.entries(consent?.scopes ?? {}).filter(([s]) => granted.has(s)));
    if (!user || !consent) return reply.code(200).type('application/json;charset=UTF-8').send({ sub: grant.sub });
    return reply.code(200).type('application/json;charset=UTF-8').send(claimsOf(grant.sub, user, { ...consent, scopes }, platform.clock.now()));
  });
};

const bySubRoute = (platform: Platform): FastifyPluginAsyncTypebox => async (app) => {
  app.addHook('onRequest', authenticateHook(platform, { requireMsn: false, optionalSubscriptionKey: true }));

  app.get('/vipps-userinfo-api/userinfo/:sub', { schema: { params: SubParams, response: { 200: Userinfo } } }, async (request, reply) => {
    const { sub } = request.params;
    if (!SUB_PATTERN.test(sub)) return sendUserinfoProblem(reply, userinfoErrors.invalidSub(sub));
    const msn = request.merchant!.msn;
    const found = consentFor(msn, await platform.consents.bySub(sub.toLowerCase()));
    if (!found.ok) return sendUserinfoProblem(reply, found.reason === 'foreign' ? userinfoErrors.foreignSub() : userinfoErrors.unknownSub(sub));
    const user = await platform.users.find(found.consent.phoneNumber);
    // The test user was deleted (and maybe made again: then the sub is another one): the profile is gone.
    if (!user || subjectOf(msn, user) !== found.consent.sub) return sendUserinfoProblem(reply, userinfoErrors.unknownSub(sub));
    return reply.code(200).type('application/json;charset=UTF-8').send(claimsOf(found.consent.sub, user, found.consent, platform.clock.now()));
  });
};
