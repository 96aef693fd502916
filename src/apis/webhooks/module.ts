import { problemShape } from '../../platform/http-errors.js';
import type { ApiModule } from '../module.js';
import { ANNOUNCED_EVENT_TYPES } from './events.js';
import { webhookCommands } from './commands.js';
import { webhookPortalSettings } from './portal-settings.js';
import { webhookPublisher } from './publisher.js';
import { webhookRoutes } from './routes.js';
import { WebhookSubscriptions } from './subscriptions.js';

/** Webhooks API v1: merchants' registrations, and the deliveries every published event owes them. */
export const webhooksModule: ApiModule = {
  name: 'webhooks',
  title: 'Webhooks API and callbacks',
  description: 'Webhook registrations and the callbacks and webhooks sent to merchants',
  prefixes: ['/webhooks/'],
  errors: problemShape,
  tables: [{ name: 'webhooks', msnColumn: 'msn' }],
  start(platform) {
    const webhooks = new WebhookSubscriptions(platform.database.kind === 'sqlite');
    platform.database.commands.onRollback(() => webhooks.forget());
    platform.events.subscribe(webhookPublisher(webhooks, platform.outbox, platform.ids));
    // Every module's event types, plus those of APIs still to come (accepted, as the real API does).
    let known: ReadonlySet<string> | undefined;
    const knownEventTypes = () => (known ??= new Set([...platform.modules().flatMap((m) => (m.events ?? []).map((e) => e.type)), ...ANNOUNCED_EVENT_TYPES]));
    const commands = webhookCommands(platform, webhooks, knownEventTypes);
    platform.salesUnits.provideWebhooks(webhookPortalSettings(platform, commands, knownEventTypes));
    return {
      routes: webhookRoutes(platform, commands),
      onReset: async (_trx, msn) => webhooks.forget(msn),
      afterReset: (msn) => webhooks.forget(msn),
    };
  },
};
