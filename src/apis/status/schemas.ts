/**
 * The status page's schemas: statuspage.io's public v2 API shapes (what src/apis/status/views.ts
 * renders, and test/helpers/statuspage-schemas.ts checks), and the control API's views of faults and
 * maintenance windows. Written once: serialization and the OpenAPI document.
 */
import { Type } from '@sinclair/typebox';
import { COMPONENT_STATUSES, INDICATORS } from './domain.js';
import { Nullable, StringEnum, Timestamp } from '../../platform/schemas.js';

const ComponentStatus = StringEnum(COMPONENT_STATUSES);
const Indicator = StringEnum(INDICATORS);
const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;

export const Page = Type.Object({ id: Type.String(), name: Type.String(), url: Type.String(), time_zone: Type.String(), updated_at: Timestamp });
export const PageStatus = Type.Object({ indicator: Indicator, description: Type.String() });

export const Component = Type.Object({
  id: Type.String(),
  name: Type.String(),
  status: ComponentStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
  position: Type.Integer(),
  description: Nullable(Type.String()),
  showcase: Type.Boolean(),
  start_date: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  group_id: Nullable(Type.String()),
  page_id: Type.String(),
  group: Type.Boolean(),
  only_show_if_degraded: Type.Boolean(),
  /** Groups only: the ids of their components. */
  components: Type.Optional(Type.Array(Type.String())),
});

const AffectedComponent = Type.Object({ code: Type.String(), name: Type.String(), old_status: ComponentStatus, new_status: ComponentStatus });
const update = <S extends readonly string[]>(statuses: S) =>
  Type.Object({
    id: Type.String(),
    status: StringEnum(statuses),
    body: Type.String(),
    incident_id: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    display_at: Timestamp,
    affected_components: Nullable(Type.Array(AffectedComponent)),
    deliver_notifications: Type.Boolean(),
    custom_tweet: Nullable(Type.String()),
    tweet_id: Nullable(Type.String()),
  });

const incidentFields = {
  id: Type.String(),
  name: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  monitoring_at: Nullable(Timestamp),
  resolved_at: Nullable(Timestamp),
  shortlink: Type.String(),
  started_at: Timestamp,
  page_id: Type.String(),
  components: Type.Array(Component),
};
export const Incident = Type.Object({
  ...incidentFields,
  status: StringEnum(INCIDENT_STATUSES),
  impact: Indicator,
  incident_updates: Type.Array(update(INCIDENT_STATUSES), { description: 'Newest first' }),
});
export const ScheduledMaintenance = Type.Object({
  ...incidentFields,
  status: StringEnum(MAINTENANCE_STATUSES),
  impact: StringEnum([...INDICATORS, 'maintenance'] as const),
  scheduled_for: Timestamp,
  scheduled_until: Timestamp,
  incident_updates: Type.Array(update(MAINTENANCE_STATUSES), { description: 'Newest first' }),
});

export const StatusResponse = Type.Object({ page: Page, status: PageStatus });
export const SummaryResponse = Type.Object({
  page: Page,
  components: Type.Array(Component),
  incidents: Type.Array(Incident),
  scheduled_maintenances: Type.Array(ScheduledMaintenance),
  status: PageStatus,
});
export const ComponentsResponse = Type.Object({ page: Page, components: Type.Array(Component) });
export const IncidentsResponse = Type.Object({ page: Page, incidents: Type.Array(Incident) });
export const MaintenancesResponse = Type.Object({ page: Page, scheduled_maintenances: Type.Array(ScheduledMaintenance) });

// ---- control API views ----

const FAULT_TYPES = ['latency', 'errors', 'outage', 'callbacks', 'environment'] as const;
const Environment = Type.String({ description: 'prod, dr or mt' });

export const FaultView = Type.Object({
  id: Type.String(),
  type: StringEnum(FAULT_TYPES),
  environment: Environment,
  api: Type.Optional(Type.String()),
  endpoint: Type.Optional(Type.String()),
  /** One object for the three distributions: `ms` (fixed), `min`/`max` (uniform), `mean`/`stddev` (normal). */
  latency: Type.Optional(
    Type.Object({
      distribution: StringEnum(['fixed', 'uniform', 'normal'] as const),
      ms: Type.Optional(Type.Number()),
      min: Type.Optional(Type.Number()),
      max: Type.Optional(Type.Number()),
      mean: Type.Optional(Type.Number()),
      stddev: Type.Optional(Type.Number()),
    }),
  ),
  rate: Type.Optional(Type.Number()),
  status: Type.Optional(Type.Integer()),
  message: Type.Optional(Type.String()),
  mode: Type.Optional(StringEnum(['reset', '503', 'slow', 'fail'] as const)),
  title: Type.Optional(Type.String()),
  createdAt: Timestamp,
  clearedAt: Nullable(Timestamp),
  incidentId: Type.String(),
  description: Type.String({ description: 'The fault in words' }),
  active: Type.Boolean(),
});
export const FaultCreated = Type.Object({ fault: FaultView, incident: Incident });
export const FaultCleared = Type.Object({ fault: FaultView, incident: Nullable(Incident) });
export const FaultList = Type.Object({ faults: Type.Array(FaultView) });
export const FaultsCleared = Type.Object({ cleared: Type.Array(FaultView) });

export const MaintenanceView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  environment: Environment,
  apis: Type.Array(Type.String()),
  componentIds: Type.Array(Type.String()),
  scheduledFor: Timestamp,
  scheduledUntil: Timestamp,
  createdAt: Timestamp,
  unavailable: Type.Boolean(),
  status: StringEnum(MAINTENANCE_STATUSES),
});
export const MaintenanceCreated = Type.Object({ maintenance: MaintenanceView, scheduled_maintenance: ScheduledMaintenance });
export const MaintenanceEnded = Type.Object({ maintenance: MaintenanceView, deleted: Type.Boolean({ description: 'True when it had not started yet' }) });
export const MaintenanceList = Type.Object({ maintenances: Type.Array(MaintenanceView) });
