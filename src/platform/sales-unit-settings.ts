/**
 * A sales unit's settings as the merchant portal shows and edits them, kept by the modules that
 * own them: Login's redirect URIs (the Login module), webhooks (the Webhooks API), settlement files
 * (a settlements module, when the build has one). Each owner provides its part in its start; the
 * portal asks this port and imports none of them. A part nobody provides is `undefined`, and the
 * portal says so instead of showing made-up data.
 */

import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** A refusal in words the portal can show next to the field at fault. */
export type SettingsResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export interface LoginSettings {
  redirectUris: string[];
  tokenEndpointAuthMethod: string;
}

export interface LoginSettingsProvider {
  /** The methods the token endpoint may be set to, for the portal's choice. */
  readonly tokenEndpointAuthMethods: readonly string[];
  get(msn: string): Promise<LoginSettings>;
  save(msn: string, settings: LoginSettings): Promise<SettingsResult<LoginSettings>>;
}

export interface WebhookView {
  id: string;
  url: string;
  events: string[];
}

export interface WebhookSettingsProvider {
  /** Every event type a webhook may be registered for. */
  eventTypes(): readonly string[];
  list(msn: string): Promise<WebhookView[]>;
  /** The new webhook's id and its signing secret (shown once, as the API returns it once). */
  register(msn: string, url: string, events: string[]): Promise<SettingsResult<{ id: string; secret: string }>>;
  remove(msn: string, id: string): Promise<boolean>;
}

/** One settlement report as a merchant downloads it. */
export interface SettlementFileView {
  id: string;
  /** The settlement date, YYYY-MM-DD. */
  date: string;
  /** What the file is called when downloaded. */
  fileName: string;
  /** Where the emulator serves the file (a path on the emulator). */
  href: string;
  description?: string;
}

export interface SettlementsProvider {
  list(msn: string): Promise<SettlementFileView[]>;
}

/**
 * The sales unit's capture type (direct capture: approval captures at once), which eCom keeps. Set
 * in the caller's transaction: the portal makes a sales unit and its capture type in one command.
 */
export interface CaptureSettingsProvider {
  directCapture(msn: string): Promise<boolean>;
  setDirectCapture(trx: Transaction<Database>, msn: string, on: boolean): Promise<void>;
}

export class SalesUnitSettings {
  capture: CaptureSettingsProvider | undefined;
  login: LoginSettingsProvider | undefined;
  webhooks: WebhookSettingsProvider | undefined;
  settlements: SettlementsProvider | undefined;

  provideCapture(provider: CaptureSettingsProvider): void {
    this.capture = provider;
  }
  provideLogin(provider: LoginSettingsProvider): void {
    this.login = provider;
  }
  provideWebhooks(provider: WebhookSettingsProvider): void {
    this.webhooks = provider;
  }
  provideSettlements(provider: SettlementsProvider): void {
    this.settlements = provider;
  }
}
