import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem, type Problem } from '../../platform/problems.js';
import { merchantAuth } from '../../platform/auth.js';
import { NoContent, SystemHeaders, Uuid } from '../../platform/schemas.js';
import { checkMerchantUrl } from '../../platform/url-policy.js';
import type { Platform } from '../module.js';
import { MAX_WEBHOOKS_PER_EVENT } from './events.js';
import { webhookStore } from './store.js';
import type { WebhookSubscriptions } from './subscriptions.js';

const RegisterRequest = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'HTTPS (the emulator also takes http://localhost and http://127.0.0.1)' }),
    events: Type.Array(Type.String({ examples: ['epayments.payment.captured.v1'] }), { minItems: 1 }),
  },
  { additionalProperties: false },
);
const RegisterResponse = Type.Object({ id: Uuid, secret: Type.String({ description: 'HMAC key of the signatures' }) });
const Webhook = Type.Object({ id: Uuid, url: Type.String(), events: Type.Array(Type.String()) });
const QueryResponse = Type.Object({ webhooks: Type.Array(Webhook) });
const IdParams = Type.Object({ id: Uuid });

const badRequest = (name: string, reason: string): Problem => ({
  ...problem(400, 'Bad Request', 'One or more validation errors occurred.'),
  extraDetails: [{ name, reason }],
});

/** Where webhooks may point: the platform's URL policy (src/platform/url-policy.ts), in this API's words. */
function urlProblem(value: string): Problem | undefined {
  const checked = checkMerchantUrl(value);
  if (checked.ok) return undefined;
  switch (checked.reason) {
    case 'credentials':
      return badRequest('url', 'The url must not contain credentials.');
    case 'insecure':
    case 'scheme':
      return badRequest('url', 'The url must use HTTPS (the emulator also accepts http://localhost, http://127.x.x.x and http://[::1]).');
    default:
      return badRequest('url', 'The url must be an absolute URI.');
  }
}

/** Webhooks API v1: register, list and delete a sales unit's webhooks. */
export const webhookRoutes = (ctx: Platform, webhooks: WebhookSubscriptions, knownEventTypes: () => ReadonlySet<string>): FastifyPluginAsyncTypebox => async (app) => {
  merchantAuth(app, ctx, { requireMsn: false });

  app.post('/webhooks/v1/webhooks', { schema: { operationId: 'registerWebhook', summary: 'Register a webhook', headers: SystemHeaders, body: RegisterRequest, response: { 201: RegisterResponse } } }, async (request, reply) => {
    const { url, events } = request.body;
    const msn = request.merchant!.msn;
    const invalidUrl = urlProblem(url);
    if (invalidUrl) throw new ProblemError(invalidUrl);
    const known = knownEventTypes();
    const unknown = events.filter((e) => !known.has(e));
    if (unknown.length) throw new ProblemError(badRequest('events', `Unknown event type(s): ${unknown.join(', ')}.`));
    const id = ctx.ids.uuid();
    // 64 random bytes, base64: the shape of the secrets the real API hands out.
    const secret = randomBytes(64).toString('base64');
    await webhooks.changing(msn, () =>
      ctx.database.commands.run(async (trx) => {
        const existing = await webhookStore.list(trx, msn);
        for (const event of new Set(events)) {
          if (existing.filter((w) => w.events.includes(event)).length >= MAX_WEBHOOKS_PER_EVENT) {
            throw new ProblemError(badRequest('events', `At most ${MAX_WEBHOOKS_PER_EVENT} webhooks may be registered for ${event}.`));
          }
        }
        await webhookStore.insert(trx, { id, msn, url, events: [...new Set(events)], secret }, ctx.clock.now());
        webhooks.forget(msn);
      }),
    );
    return reply.code(201).send({ id, secret });
  });

  app.get('/webhooks/v1/webhooks', { schema: { operationId: 'getWebhooks', summary: "The sales unit's webhooks", headers: SystemHeaders, response: { 200: QueryResponse } } }, async (request) => ({
    webhooks: (await webhookStore.list(ctx.database.db, request.merchant!.msn)).map(({ id, url, events }) => ({ id, url, events })),
  }));

  app.delete('/webhooks/v1/webhooks/:id', { schema: { operationId: 'deleteWebhook', summary: 'Delete a webhook', headers: SystemHeaders, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    const msn = request.merchant!.msn;
    const found = await webhooks.changing(msn, () =>
      ctx.database.commands.run(async (trx) => {
        const hook = await webhookStore.get(trx, request.params.id);
        if (!hook || hook.msn !== msn) return false;
        await webhookStore.delete(trx, hook.id);
        // Nobody listens there any more: what is still owed to it is given up.
        await ctx.outbox.drop(trx, hook.id, 'webhook deleted');
        webhooks.forget(msn);
        return true;
      }),
    );
    if (!found) throw new ProblemError(problem(404, 'Not Found', `No webhook ${request.params.id} is registered for this merchant.`));
    return reply.code(204).send(null);
  });
};
