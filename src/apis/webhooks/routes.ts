import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError, problem } from '../../platform/problems.js';
import { merchantAuth } from '../../platform/auth.js';
import { NoContent, SystemHeaders, Uuid } from '../../platform/schemas.js';
import type { Platform } from '../module.js';
import type { WebhookCommands } from './commands.js';
import { webhookStore } from './store.js';

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

/** Webhooks API v1: register, list and delete a sales unit's webhooks. */
export const webhookRoutes = (ctx: Platform, commands: WebhookCommands): FastifyPluginAsyncTypebox => async (app) => {
  merchantAuth(app, ctx, { requireMsn: false });

  app.post('/webhooks/v1/webhooks', { schema: { operationId: 'registerWebhook', summary: 'Register a webhook', headers: SystemHeaders, body: RegisterRequest, response: { 201: RegisterResponse } } }, async (request, reply) => {
    const { url, events } = request.body;
    const { id, secret } = await commands.register(request.merchant!.msn, url, events);
    return reply.code(201).send({ id, secret });
  });

  app.get('/webhooks/v1/webhooks', { schema: { operationId: 'getWebhooks', summary: "The sales unit's webhooks", headers: SystemHeaders, response: { 200: QueryResponse } } }, async (request) => ({
    webhooks: (await webhookStore.list(ctx.database.db, request.merchant!.msn)).map(({ id, url, events }) => ({ id, url, events })),
  }));

  app.delete('/webhooks/v1/webhooks/:id', { schema: { operationId: 'deleteWebhook', summary: 'Delete a webhook', headers: SystemHeaders, params: IdParams, response: { 204: NoContent } } }, async (request, reply) => {
    const found = await commands.remove(request.merchant!.msn, request.params.id);
    if (!found) throw new ProblemError(problem(404, 'Not Found', `No webhook ${request.params.id} is registered for this merchant.`));
    return reply.code(204).send(null);
  });
};
