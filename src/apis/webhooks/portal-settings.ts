import type { WebhookSettingsProvider } from '../../platform/sales-unit-settings.js';
import { ProblemError } from '../../platform/problems.js';
import type { Platform } from '../module.js';
import type { WebhookCommands } from './commands.js';
import { webhookStore } from './store.js';

/** The Webhooks API's part of a sales unit's portal settings: the API's own commands, refusals as sentences. */
export function webhookPortalSettings(ctx: Platform, commands: WebhookCommands, knownEventTypes: () => ReadonlySet<string>): WebhookSettingsProvider {
  return {
    eventTypes: () => [...knownEventTypes()].sort(),
    list: async (msn) => (await webhookStore.list(ctx.database.db, msn)).map(({ id, url, events }) => ({ id, url, events })),
    async register(msn, url, events) {
      if (events.length === 0) return { ok: false, problems: ['Choose at least one event.'] };
      try {
        return { ok: true, value: await commands.register(msn, url, events) };
      } catch (err) {
        if (err instanceof ProblemError) return { ok: false, problems: (err.problem.extraDetails ?? []).map((d) => d.reason) };
        throw err;
      }
    },
    remove: (msn, id) => commands.remove(msn, id),
  };
}
