import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem, type Problem } from '../../platform/problems.js';
import type { AppContext } from '../../server/context.js';
import { problemErrorHandler, sendProblem } from '../../server/errors.js';
import { acceptJsonBodies } from '../../server/json-body.js';
import { ecomInboxReference, appInbox } from '../epayment/app-inbox.js';
import type { EcomPayment } from '../ecom/domain.js';
import type { EcomReply } from '../ecom/service.js';
import { adminGuard } from './admin-guard.js';

const Msn = Type.String({ pattern: '^[0-9]{4,6}$' });
const OrderParams = Type.Object({ orderId: Type.String({ pattern: '^[a-zA-Z0-9-]{1,50}$' }) });
const MsnParams = Type.Object({ msn: Msn });
const DecisionBody = Type.Union([
  Type.Null(),
  Type.Object(
    {
      phoneNumber: Type.Optional(Type.String({ pattern: '^\\d{8}$|^\\d{10,15}$' })),
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
export const ecomControlRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  acceptJsonBodies(app);
  app.setErrorHandler(problemErrorHandler);
  app.addHook('onRequest', adminGuard(ctx));
  const db = ctx.database.db;

  /** The payment of an orderId (of any merchant unless `msn` says which). */
  async function find(orderId: string, msn: string | undefined): Promise<EcomPayment> {
    let q = db.selectFrom('ecom_payments').select(['msn', 'token']).where('order_id', '=', orderId);
    if (msn) q = q.where('msn', '=', msn);
    const rows = await q.execute();
    if (rows.length === 0) throw new ProblemError(problem(404, 'Not Found', `No eCom payment has the orderId ${orderId}.`));
    if (rows.length > 1) throw new ProblemError(problem(409, 'Conflict', `Several merchants have an eCom payment ${orderId}; say which with msn.`));
    const p = await ctx.ecom.byToken(rows[0]!.token);
    if (!p) throw new ProblemError(problem(404, 'Not Found', `No eCom payment has the orderId ${orderId}.`));
    return p;
  }

  app.put('/devkit/v1/ecom/merchants/:msn/settings', { schema: { params: MsnParams, body: SettingsBody } }, async (request) => {
    if (!ctx.merchants.get(request.params.msn)) throw new ProblemError(problem(404, 'Not Found', `No merchant ${request.params.msn}.`));
    await ctx.ecom.setDirectCapture(request.params.msn, request.body.directCapture);
    return { msn: request.params.msn, directCapture: request.body.directCapture };
  });

  app.get('/devkit/v1/ecom/merchants/:msn/settings', { schema: { params: MsnParams } }, async (request) => ({
    msn: request.params.msn,
    directCapture: await ctx.ecom.directCapture(request.params.msn),
  }));

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/devkit/v1/ecom/payments/:orderId/${decision}`, { schema: { params: OrderParams, body: DecisionBody } }, async (request, reply) => {
      const body = request.body ?? {};
      const p = await find(request.params.orderId, body.msn);
      const raw = body.phoneNumber ?? (p.mobileNumber ? `47${p.mobileNumber}` : (await ctx.users.list())[0]?.phoneNumber);
      const phone = raw && raw.length === 8 ? `47${raw}` : raw;
      const user = phone ? await ctx.users.find(phone) : undefined;
      if (!user) throw new ProblemError(problem(400, 'Unknown user', `${raw ?? '(none)'} is not a test user.`));
      let shipping;
      if (decision === 'approve' && p.paymentType === 'eComm Express Payment') {
        const chosen = await ctx.ecom.chosenShipping(p, user, body.shippingMethodId);
        if ('error' in chosen) throw new ProblemError(problem(502, 'Shipping details failed', chosen.error));
        shipping = chosen;
      }
      await ctx.database.commands.run((trx) => appInbox.deliver(trx, { msn: p.msn, reference: ecomInboxReference(p.orderId) }, user.phoneNumber, 'CONTROL_API', ctx.clock.now()));
      const r = await ctx.ecom.userDecision(p.msn, p.orderId, decision, user.phoneNumber, shipping);
      if (r.error) return sendProblem(reply, toProblem(r), request.url);
      return r.body;
    });
  }

  app.post('/devkit/v1/ecom/payments/:orderId/landing-cancel', { schema: { params: OrderParams, body: DecisionBody } }, async (request, reply) => {
    const p = await find(request.params.orderId, request.body?.msn);
    const r = await ctx.ecom.cancelByUser(p.msn, p.orderId);
    if (r.error) return sendProblem(reply, toProblem(r), request.url);
    return r.body;
  });
};
