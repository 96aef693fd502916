/**
 * statuspage.io's public v2 API, written down as JSON schemas from its documentation
 * (https://<page>.statuspage.io/api/v2): what `vipps-devkit status` reads from the real pages and
 * what the emulator's own status API must answer. Shared by the status tests.
 */
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';

const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { anyOf: [dateTime, { type: 'null' }] };
const componentStatus = { enum: ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] };

export const pageSchema = {
  type: 'object',
  required: ['id', 'name', 'url', 'time_zone', 'updated_at'],
  properties: { id: { type: 'string', minLength: 1 }, name: { type: 'string' }, url: { type: 'string', format: 'uri' }, time_zone: { type: 'string' }, updated_at: dateTime },
};
export const statusSchema = {
  type: 'object',
  required: ['indicator', 'description'],
  properties: { indicator: { enum: ['none', 'minor', 'major', 'critical'] }, description: { type: 'string', minLength: 1 } },
  additionalProperties: false,
};
export const componentSchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'created_at', 'updated_at', 'position', 'description', 'showcase', 'start_date', 'group_id', 'page_id', 'group', 'only_show_if_degraded'],
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    status: componentStatus,
    created_at: dateTime,
    updated_at: dateTime,
    position: { type: 'integer', minimum: 0 },
    description: { type: ['string', 'null'] },
    showcase: { type: 'boolean' },
    start_date: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
    group_id: { type: ['string', 'null'] },
    page_id: { type: 'string' },
    group: { type: 'boolean' },
    only_show_if_degraded: { type: 'boolean' },
    components: { type: 'array', items: { type: 'string' } },
  },
};
const affectedComponent = {
  type: 'object',
  required: ['code', 'name', 'old_status', 'new_status'],
  properties: { code: { type: 'string' }, name: { type: 'string' }, old_status: componentStatus, new_status: componentStatus },
};
const updateSchema = (statuses: string[]) => ({
  type: 'object',
  required: ['id', 'status', 'body', 'incident_id', 'created_at', 'updated_at', 'display_at', 'affected_components', 'deliver_notifications', 'custom_tweet', 'tweet_id'],
  properties: {
    id: { type: 'string' },
    status: { enum: statuses },
    body: { type: 'string' },
    incident_id: { type: 'string' },
    created_at: dateTime,
    updated_at: dateTime,
    display_at: dateTime,
    affected_components: { anyOf: [{ type: 'array', items: affectedComponent }, { type: 'null' }] },
    deliver_notifications: { type: 'boolean' },
    custom_tweet: { type: ['string', 'null'] },
    tweet_id: { type: ['string', 'null'] },
  },
});
const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'];
export const incidentSchema = {
  type: 'object',
  required: ['id', 'name', 'status', 'created_at', 'updated_at', 'monitoring_at', 'resolved_at', 'impact', 'shortlink', 'started_at', 'page_id', 'incident_updates', 'components'],
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    status: { enum: INCIDENT_STATUSES },
    created_at: dateTime,
    updated_at: dateTime,
    monitoring_at: nullableDateTime,
    resolved_at: nullableDateTime,
    impact: { enum: ['none', 'minor', 'major', 'critical'] },
    shortlink: { type: 'string', format: 'uri' },
    started_at: dateTime,
    page_id: { type: 'string' },
    incident_updates: { type: 'array', minItems: 1, items: updateSchema(INCIDENT_STATUSES) },
    components: { type: 'array', items: componentSchema },
  },
};
const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'];
export const maintenanceSchema = {
  ...incidentSchema,
  required: [...incidentSchema.required, 'scheduled_for', 'scheduled_until'],
  properties: {
    ...incidentSchema.properties,
    status: { enum: MAINTENANCE_STATUSES },
    // statuspage.io reports maintenance with impact "maintenance".
    impact: { enum: ['none', 'minor', 'major', 'critical', 'maintenance'] },
    scheduled_for: dateTime,
    scheduled_until: dateTime,
    incident_updates: { type: 'array', minItems: 1, items: updateSchema(MAINTENANCE_STATUSES) },
  },
};

const list = (key: string, item: object) => ({ type: 'object', required: ['page', key], properties: { page: pageSchema, [key]: { type: 'array', items: item } } });
export const endpointSchemas = {
  '/api/v2/status.json': { type: 'object', required: ['page', 'status'], properties: { page: pageSchema, status: statusSchema } },
  '/api/v2/summary.json': {
    type: 'object',
    required: ['page', 'components', 'incidents', 'scheduled_maintenances', 'status'],
    properties: {
      page: pageSchema,
      components: { type: 'array', items: componentSchema },
      incidents: { type: 'array', items: incidentSchema },
      scheduled_maintenances: { type: 'array', items: maintenanceSchema },
      status: statusSchema,
    },
  },
  '/api/v2/components.json': list('components', componentSchema),
  '/api/v2/incidents.json': list('incidents', incidentSchema),
  '/api/v2/incidents/unresolved.json': list('incidents', incidentSchema),
  '/api/v2/scheduled-maintenances.json': list('scheduled_maintenances', maintenanceSchema),
  '/api/v2/scheduled-maintenances/upcoming.json': list('scheduled_maintenances', maintenanceSchema),
  '/api/v2/scheduled-maintenances/active.json': list('scheduled_maintenances', maintenanceSchema),
} as const;
export type StatusEndpoint = keyof typeof endpointSchemas;

const ajv = new Ajv({ allErrors: true, strict: false });
ajvFormats.default(ajv);
const validators = Object.fromEntries(Object.entries(endpointSchemas).map(([path, schema]) => [path, ajv.compile(schema)]));

/** Validates a status API body; returns Ajv's errors as text ('' when valid). */
export function schemaErrors(path: StatusEndpoint, body: unknown): string {
  const validate = validators[path]!;
  return validate(body) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}
