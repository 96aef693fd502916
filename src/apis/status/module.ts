import { problemShape } from '../../platform/http-errors.js';
import type { ApiModule } from '../module.js';
import { operationsControl } from './control.js';
import type { StatusComponent } from './domain.js';
import { statusRoutes } from './routes.js';
import { OperationsService } from './service.js';

/**
 * The status page of the emulated environments (statuspage.io's v2 API, HTML, feeds) and the
 * operations behind it: faults, incidents and maintenance windows. Never faulted itself. It
 * provides the request-path and delivery fault hooks to the server and the dispatcher.
 */
export const statusModule: ApiModule = {
  name: 'status',
  title: 'Status page',
  description: 'Status page, incidents, maintenance windows and injected faults',
  prefixes: ['/api/v2/', '/status', '/history.rss', '/history.atom'],
  errors: problemShape,
  statusComponent: false,
  // Faults and maintenances keep their documented control paths: /devkit/v1/faults, /devkit/v1/maintenances.
  controlPrefix: '/devkit/v1',
  tables: [{ name: 'faults' }, { name: 'status_incidents' }, { name: 'status_maintenances' }],
  async start(platform) {
    // Every module that is a status-page component (and can be faulted), in registry order.
    const components: StatusComponent[] = platform
      .modules()
      .filter((m) => m.statusComponent !== false)
      .map((m) => ({ key: m.name, name: m.title, description: m.description, prefixes: m.prefixes }));
    const operations = new OperationsService({
      database: platform.database,
      clock: platform.clock,
      servers: platform.servers,
      outbox: platform.outbox,
      publicUrl: platform.publicUrl,
      components,
    });
    await operations.load();
    return {
      routes: statusRoutes(operations),
      control: operationsControl(operations),
      requestFaults: operations.requestFaults,
      deliveryFaults: operations.deliveryFaults,
      afterReset: (msn) => (msn === undefined ? operations.load() : undefined),
      // Shared PostgreSQL: faults and windows another instance added or cleared.
      refresh: () => operations.load(),
    };
  },
};
