/**
 * Vipps' request servers: the hosts callbacks and webhooks come from, per environment.
 * Kept as plain data (the seed README's table) so the allowlist tool, the emulator's rotation
 * and its built-in DNS server all read the same list.
 */

export const ENVIRONMENT_NAMES = ['prod', 'dr', 'mt'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const REQUEST_SERVER_ENVIRONMENTS: Readonly<Record<EnvironmentName, readonly string[]>> = {
  prod: ['callback-1.vipps.no', 'callback-2.vipps.no', 'callback-3.vipps.no', 'callback-4.vipps.no'],
  dr: ['callback-dr-1.vipps.no', 'callback-dr-2.vipps.no', 'callback-dr-3.vipps.no', 'callback-dr-4.vipps.no'],
  mt: ['callback-mt-1.vipps.no', 'callback-mt-2.vipps.no', 'callback-mt-3.vipps.no', 'callback-mt-4.vipps.no'],
};

export const ENVIRONMENT_DESCRIPTIONS: Readonly<Record<EnvironmentName, string>> = {
  prod: 'production',
  dr: 'production disaster recovery (fail-over for prod)',
  mt: 'merchant test',
};

/** The environments' names on the status page (its component groups). */
export const ENVIRONMENT_TITLES: Readonly<Record<EnvironmentName, string>> = {
  prod: 'Production',
  dr: 'Production DR (disaster recovery)',
  mt: 'MT (merchant test)',
};

/** A production shop must accept both prod and its disaster-recovery fail-over. */
export const PRODUCTION_ENVIRONMENTS: readonly EnvironmentName[] = ['prod', 'dr'];

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(value);
}

/** `all` expands to every environment; the default is what a production shop needs. */
export function parseEnvironments(value: string | readonly string[] | undefined): EnvironmentName[] {
  if (value === undefined) return [...PRODUCTION_ENVIRONMENTS];
  const parts = (typeof value === 'string' ? [value] : value).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase());
  const result = new Set<EnvironmentName>();
  for (const part of parts) {
    if (part === 'all') ENVIRONMENT_NAMES.forEach((e) => result.add(e));
    else if (part === 'production') PRODUCTION_ENVIRONMENTS.forEach((e) => result.add(e));
    else if (isEnvironmentName(part)) result.add(part);
    else throw new Error(`unknown environment "${part}" (expected ${ENVIRONMENT_NAMES.join(', ')}, production or all)`);
  }
  return ENVIRONMENT_NAMES.filter((e) => result.has(e));
}

export type RequestServer = { environment: EnvironmentName; hostname: string };

export function requestServers(environments: readonly EnvironmentName[]): RequestServer[] {
  return environments.flatMap((environment) =>
    REQUEST_SERVER_ENVIRONMENTS[environment].map((hostname) => ({ environment, hostname })),
  );
}

/** The environment a hostname belongs to, if it is a request server (case-insensitive, trailing dot allowed). */
export function environmentOf(hostname: string): EnvironmentName | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return ENVIRONMENT_NAMES.find((e) => REQUEST_SERVER_ENVIRONMENTS[e].includes(name));
}
