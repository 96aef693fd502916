import { randomBytes } from 'node:crypto';
import { ProblemError, problem, type Problem } from '../../platform/problems.js';
import { checkMerchantUrl } from '../../platform/url-policy.js';
import type { Platform } from '../module.js';
import { MAX_WEBHOOKS_PER_EVENT } from './events.js';
import { webhookStore } from './store.js';
import type { WebhookSubscriptions } from './subscriptions.js';

export const badRequest = (name: string, reason: string): Problem => ({
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

/**
 * Registering and deleting a sales unit's webhooks: the API's routes and the merchant portal
 * (through `platform.salesUnits`) run the same commands. Refusals are thrown as problems.
 */
export function webhookCommands(ctx: Platform, webhooks: WebhookSubscriptions, knownEventTypes: () => ReadonlySet<string>) {
  return {
    async register(msn: string, url: string, events: string[]): Promise<{ id: string; secret: string }> {
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
      return { id, secret };
    },

    /** False when the sales unit has no such webhook. */
    async remove(msn: string, id: string): Promise<boolean> {
      return webhooks.changing(msn, () =>
        ctx.database.commands.run(async (trx) => {
          const hook = await webhookStore.get(trx, id);
          if (!hook || hook.msn !== msn) return false;
          await webhookStore.delete(trx, hook.id);
          // Nobody listens there any more: what is still owed to it is given up.
          await ctx.outbox.drop(trx, hook.id, 'webhook deleted');
          webhooks.forget(msn);
          return true;
        }),
      );
    },
  };
}

export type WebhookCommands = ReturnType<typeof webhookCommands>;
