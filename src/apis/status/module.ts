import { problemShape } from '../../platform/http-errors.js';
import type { ApiModule } from '../module.js';
import { operationsControl } from './control.js';
import { statusRoutes } from './routes.js';

/**
 * The status page of the emulated environments (statuspage.io's v2 API, HTML, feeds) and the
 * operations behind it: faults, incidents and maintenance windows. Never faulted itself.
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
  start: (platform) => ({
    routes: statusRoutes(platform),
    control: operationsControl(platform),
    afterReset: (msn) => (msn === undefined ? platform.operations.load() : undefined),
  }),
};
