import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { ProblemError, problem, type Problem } from '../../platform/problems.js';
import { sendProblem } from '../../platform/http-errors.js';
import { Msn } from '../../platform/schemas.js';
import type { Platform } from '../module.js';
import type { EcomPayment } from './domain.js';
import { ecomInboxKey } from './inbox-provider.js';
import { DetailsResponse, OrderParams } from './schemas.js';
import type { EcomReply, EcomService } from './service.js';

const MsnParams = Type.Object({ msn: Msn });
type Details = Static<typeof DetailsResponse>;
const Settings = Type.Object({ msn: Type.String(), directCapture: Type.Boolean({ description: 'Approval captures at once (SALE) instead of reserving' }) });
const DecisionBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      phoneNumber: Type.Optional(Type.String({ pattern: '^\\d{8}$|^\\d{10,15}$', description: 'An MSISDN, or 8 digits (Norway)' })),
      msn: Type.Optional(Msn),
      /** Express: the shipping method the user picks (the default one when left out). */
      shippingMethodId: Type.Optional(Type.String({ maxLength: 100 })),
    },
    { additionalProperties: false },
  ),
]);
const SettingsBody = Type.Object({ directCapture: Type.Boolean() }, { additionalProperties: false });

const toProblem = (r: EcomReply): Problem => ({
  ...problem(r.status, `${r.error!.group} ${r.error!.code}`, r.error!.message),
  extraDetails: [{ name: 'errorGroup', reason: r.error!.group }, { name: 'errorCode', reason: r.error!.code }],
});

/**
 * The control API for eCom v2: what the user does in the app (approve with a shipping choice,
 * reject, cancel on the landing page) and the sales unit's capture type, for tests and scripts.
 */
export const ecomControl = (ctx: Platform, ecom: EcomService): FastifyPluginAsyncTypebox => async (app) => {

  /** The payment of an orderId (of any merchant unless `msn` says which). */
  async function find(orderId: string, msn: string | undefined): Promise<EcomPayment> {
    const found = await ecom.byOrderId(orderId, msn);
    if (found.length === 0) throw new ProblemError(problem(404, 'Not Found', `No eCom payment has the orderId ${orderId}.`));
    if (found.length > 1) throw new ProblemError(problem(409, 'Conflict', `Several merchants have an eCom payment ${orderId}; say which with msn.`));
    return found[0]!;
  }

  app.put('/merchants/:msn/settings', { schema: { summary: "Set the sales unit's capture type", params: MsnParams, body: SettingsBody, response: { 200: Settings } } }, async (request) => {
    if (!ctx.merchants.get(request.params.msn)) throw new ProblemError(problem(404, 'Not Found', `No merchant ${request.params.msn}.`));
    await ecom.setDirectCapture(request.params.msn, request.body.directCapture);
    return { msn: request.params.msn, directCapture: request.body.directCapture };
  });

  app.get('/merchants/:msn/settings', { schema: { summary: "The sales unit's capture type", params: MsnParams, response: { 200: Settings } } }, async (request) => ({
    msn: request.params.msn,
    directCapture: await ecom.directCapture(request.params.msn),
  }));

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/payments/:orderId/${decision}`, { schema: { summary: `${decision === 'approve' ? 'Approve' : 'Reject'} as the user would in the app`, params: OrderParams, body: DecisionBody, response: { 200: DetailsResponse } } }, async (request, reply) => {
      const body = request.body ?? {};
      const p = await find(request.params.orderId, body.msn);
      const raw = body.phoneNumber ?? (p.mobileNumber ? `47${p.mobileNumber}` : (await ctx.users.list())[0]?.phoneNumber);
      const phone = raw && raw.length === 8 ? `47${raw}` : raw;
      const user = phone ? await ctx.users.find(phone) : undefined;
      if (!user) throw new ProblemError(problem(400, 'Unknown user', `${raw ?? '(none)'} is not a test user.`));
      let shipping;
      if (decision === 'approve' && p.paymentType === 'eComm Express Payment') {
        const chosen = await ecom.chosenShipping(p, user, body.shippingMethodId);
        if ('error' in chosen) throw new ProblemError(problem(502, 'Shipping details failed', chosen.error));
        shipping = chosen;
      }
      // The request shows up in that user's app history, as if it had been opened there.
      const r = await ecom.userDecision(p.msn, p.orderId, decision, user.phoneNumber, shipping, (trx) => ctx.inbox.deliver(trx, ecomInboxKey(p), user.phoneNumber, 'CONTROL_API'));
      if (r.error) return sendProblem(reply, toProblem(r), request.url);
      return r.body as Details;
    });
  }

  app.post('/payments/:orderId/landing-cancel', { schema: { summary: 'Cancel on the landing page, as the user would', params: OrderParams, body: DecisionBody, response: { 200: DetailsResponse } } }, async (request, reply) => {
    const p = await find(request.params.orderId, request.body?.msn);
    const r = await ecom.cancelByUser(p.msn, p.orderId);
    if (r.error) return sendProblem(reply, toProblem(r), request.url);
    return r.body as Details;
  });
};
