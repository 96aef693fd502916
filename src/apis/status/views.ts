/**
 * The status page in statuspage.io's v2 shapes (page, components, status, incidents, scheduled
 * maintenances), computed from one snapshot of the operations state at one instant. Pure: the
 * instant, the base URL and which environments are down are part of the snapshot.
 */
import { ENVIRONMENT_NAMES, ENVIRONMENT_TITLES, type EnvironmentName } from '../../environments/request-servers.js';
import {
  IMPACT_OF,
  PAGE_ID,
  componentId,
  componentName,
  componentStatuses,
  componentsOf,
  groupId,
  maintenanceStatus,
  worse,
  worseIndicator,
  type ComponentStatus,
  type Incident,
  type IncidentUpdate,
  type Indicator,
  type Maintenance,
  type MaintenanceStatus,
  type OperationsState,
  type StatusComponent,
} from './domain.js';

const DESCRIPTION_OF: Record<Indicator, string> = { none: 'All Systems Operational', minor: 'Minor Service Outage', major: 'Partial System Outage', critical: 'Major Service Outage' };

export interface StatusSnapshot {
  state: OperationsState;
  components: readonly StatusComponent[];
  home: EnvironmentName;
  down: ReadonlySet<EnvironmentName>;
  /** When the status page was first created (the components' `created_at`). */
  createdAt: string;
  now: Date;
  publicUrl: string;
}

export type ComponentView = Record<string, unknown> & { id: string; name: string; status: ComponentStatus; updated_at: string; group: boolean; group_id: string | null };

/** The statuspage.io views of one snapshot; components are computed once per view. */
export class StatusPageView {
  /** The instant this view describes. */
  readonly now: Date;
  private readonly at: number;
  private statuses?: Map<string, ComponentStatus>;
  private componentList?: ComponentView[];

  constructor(private readonly s: StatusSnapshot) {
    this.now = s.now;
    this.at = s.now.getTime();
  }

  private componentStatuses(): Map<string, ComponentStatus> {
    this.statuses ??= componentStatuses(this.s.state, this.s.components, this.s.down, this.at);
    return this.statuses;
  }

  private componentUpdatedAt(id: string): string {
    let latest = this.s.createdAt;
    const bump = (t: string | null | undefined) => {
      if (t && t > latest && Date.parse(t) <= this.at) latest = t;
    };
    for (const f of this.s.state.faults) {
      if (!componentsOf(this.s.components, f).includes(id)) continue;
      bump(f.createdAt);
      bump(f.clearedAt);
    }
    for (const m of this.s.state.maintenances) {
      if (!m.componentIds.includes(id)) continue;
      bump(m.scheduledFor);
      bump(m.scheduledUntil);
    }
    return latest;
  }

  page() {
    let updated = this.s.createdAt;
    for (const c of this.components()) if (c.updated_at > updated) updated = c.updated_at;
    for (const i of this.s.state.incidents) if (i.updatedAt > updated) updated = i.updatedAt;
    for (const m of this.s.state.maintenances) if (m.createdAt > updated && Date.parse(m.createdAt) <= this.at) updated = m.createdAt;
    return { id: PAGE_ID, name: 'Vipps Devkit (emulated)', url: `${this.s.publicUrl}/status`, time_zone: 'Europe/Oslo', updated_at: updated };
  }

  /** One group per environment (the one the emulator plays first), one component per API in each. */
  components(): ComponentView[] {
    if (this.componentList) return this.componentList;
    const { home, components } = this.s;
    const statuses = this.componentStatuses();
    const created = this.s.createdAt;
    const envs = [home, ...ENVIRONMENT_NAMES.filter((e) => e !== home)];
    const out: ComponentView[] = [];
    let position = 1;
    for (const env of envs) {
      const gid = groupId(env);
      const children = components.map((a) => componentId(env, a.key));
      const groupStatus = children.map((id) => statuses.get(id)!).reduce<ComponentStatus>((a, b) => worse(a, b), 'operational');
      const updatedAt = children.map((id) => this.componentUpdatedAt(id));
      out.push({
        id: gid,
        name: ENVIRONMENT_TITLES[env],
        status: groupStatus,
        created_at: created,
        updated_at: updatedAt.reduce((a, b) => (b > a ? b : a), created),
        position: position++,
        description: env === home ? 'The environment this emulator plays' : null,
        showcase: false,
        start_date: null,
        group_id: null,
        page_id: PAGE_ID,
        group: true,
        only_show_if_degraded: false,
        components: children,
      });
      components.forEach((api, i) => {
        const id = children[i]!;
        out.push({
          id,
          name: api.name,
          status: statuses.get(id)!,
          created_at: created,
          updated_at: updatedAt[i]!,
          position: position++,
          description: api.description,
          showcase: true,
          start_date: created.slice(0, 10),
          group_id: gid,
          page_id: PAGE_ID,
          group: false,
          only_show_if_degraded: false,
        });
      });
    }
    this.componentList = out;
    return out;
  }

  /** The overall indicator: the worst component status and the worst unresolved incident. */
  status(): { indicator: Indicator; description: string } {
    let indicator: Indicator = 'none';
    let maintenance = false;
    let degraded = false;
    for (const s of this.componentStatuses().values()) {
      if (s === 'under_maintenance') maintenance = true;
      if (s === 'degraded_performance') degraded = true;
      indicator = worseIndicator(indicator, IMPACT_OF[s]);
    }
    let unresolved = false;
    for (const i of this.s.state.incidents) {
      if (i.resolvedAt !== null) continue;
      unresolved = true;
      indicator = worseIndicator(indicator, i.impact);
    }
    const description = indicator === 'minor' && maintenance && !unresolved && !degraded ? 'Service Under Maintenance' : DESCRIPTION_OF[indicator];
    return { indicator, description };
  }

  private componentViews(ids: string[]) {
    const all = this.components();
    return ids.map((id) => all.find((c) => c.id === id)).filter((c) => c !== undefined);
  }

  private updateView(incidentId: string, u: IncidentUpdate) {
    return {
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: incidentId,
      created_at: u.createdAt,
      updated_at: u.createdAt,
      display_at: u.createdAt,
      affected_components: u.affected,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    };
  }

  incidentView(i: Incident) {
    const last = i.updates.at(-1)!;
    return {
      id: i.id,
      name: i.name,
      status: last.status,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      monitoring_at: i.monitoringAt,
      resolved_at: i.resolvedAt,
      impact: i.impact,
      shortlink: `${this.s.publicUrl}/status#incident-${i.id}`,
      started_at: i.startedAt,
      page_id: PAGE_ID,
      incident_updates: [...i.updates].reverse().map((u) => this.updateView(i.id, u)),
      components: this.componentViews(i.componentIds),
    };
  }

  /** Newest first; `unresolved` leaves out resolved ones. */
  incidentList(options: { unresolved?: boolean; limit?: number } = {}) {
    const list = [...this.s.state.incidents].reverse().filter((i) => !options.unresolved || i.resolvedAt === null);
    return list.slice(0, options.limit ?? 50).map((i) => this.incidentView(i));
  }

  maintenanceView(m: Maintenance) {
    const status = maintenanceStatus(m, this.at);
    const updates: Array<{ status: MaintenanceStatus; body: string; at: string }> = [{ status: 'scheduled', body: m.description, at: m.createdAt }];
    if (status !== 'scheduled') updates.push({ status: 'in_progress', body: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.', at: m.scheduledFor });
    if (status === 'completed') updates.push({ status: 'completed', body: 'The scheduled maintenance has been completed.', at: m.scheduledUntil });
    const affectedStatus: ComponentStatus = status === 'in_progress' ? 'under_maintenance' : 'operational';
    const last = updates.at(-1)!;
    return {
      id: m.id,
      name: m.name,
      status,
      created_at: m.createdAt,
      updated_at: last.at,
      monitoring_at: null,
      resolved_at: status === 'completed' ? m.scheduledUntil : null,
      impact: 'maintenance' as const,
      shortlink: `${this.s.publicUrl}/status#maintenance-${m.id}`,
      started_at: m.scheduledFor,
      page_id: PAGE_ID,
      scheduled_for: m.scheduledFor,
      scheduled_until: m.scheduledUntil,
      incident_updates: updates.reverse().map((u, i) => ({
        id: `${m.id}${updates.length - 1 - i}`.slice(-12).padStart(12, '0'),
        status: u.status,
        body: u.body,
        incident_id: m.id,
        created_at: u.at,
        updated_at: u.at,
        display_at: u.at,
        affected_components: m.componentIds.map((code) => ({
          code,
          name: componentName(this.s.components, code),
          old_status: 'operational' as ComponentStatus,
          new_status: u.status === 'in_progress' ? 'under_maintenance' : 'operational',
        })),
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      })),
      components: this.componentViews(m.componentIds).map((c) => (status === 'in_progress' && c.status === 'operational' ? { ...c, status: affectedStatus } : c)),
    };
  }

  /** Newest first. `which`: all (50 most recent), upcoming (scheduled) or active (in progress/verifying). */
  maintenanceList(which: 'all' | 'upcoming' | 'active' = 'all') {
    const list = [...this.s.state.maintenances]
      .sort((a, b) => (a.scheduledFor < b.scheduledFor ? 1 : -1))
      .filter((m) => {
        const s = maintenanceStatus(m, this.at);
        return which === 'all' || (which === 'upcoming' ? s === 'scheduled' : s === 'in_progress' || s === 'verifying');
      });
    return list.slice(0, 50).map((m) => this.maintenanceView(m));
  }
}
