import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authenticateHook } from '../../platform/auth.js';
import { subjectOf } from '../../platform/consents.js';
import type { Platform } from '../module.js';
import { claimsOf, consentFor, SUB_PATTERN } from './domain.js';
import { sendUserinfoProblem, userinfoErrors } from './errors.js';
import { SubParams, Userinfo } from './schemas.js';

/**
 * `GET /vipps-userinfo-api/userinfo/{sub}` with the merchant's access token (payment flows): the
 * consented claims of the user behind a sub this sales unit was given (ePayment `profile.sub`, eCom
 * `sub` in the details). The subscription key may be left out, as Vipps' guides advise.
 */
export const userinfoRoutes = (platform: Platform): FastifyPluginAsyncTypebox => async (app) => {
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
