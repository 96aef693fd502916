/**
 * Reads any statuspage.io v2 page (`/api/v2/summary.json`): the real Vipps pages by default, the
 * emulator's own with `--url`. Pure fetching and judging; the CLI prints and picks the exit code.
 */

export const DEFAULT_STATUS_PAGES: ReadonlyArray<{ label: string; url: string }> = [
  { label: 'Vipps MobilePay MT (test)', url: 'https://vipps-test.statuspage.io' },
  { label: 'Vipps MobilePay production', url: 'https://vipps.statuspage.io' },
];

export const INDICATOR_RANK: Record<string, number> = { none: 0, maintenance: 1, minor: 1, major: 2, critical: 3 };
export type Threshold = 'minor' | 'major' | 'critical';

export interface PageReport {
  url: string;
  page: { name: string; url: string | null; updatedAt: string | null };
  indicator: string;
  description: string;
  components: Array<{ name: string; group: string | null; status: string }>;
  incidents: Array<{ name: string; status: string; impact: string; updatedAt: string | null; shortlink: string | null }>;
  maintenances: Array<{ name: string; status: string; scheduledFor: string | null; scheduledUntil: string | null }>;
}

export class StatusCheckError extends Error {}

/**
 * `https://x.statuspage.io` → its summary endpoint; a URL that already names a .json file is used
 * as is. A page's own address (the emulator's `/status`) also finds the summary at the site's
 * root: the second candidate. `host:port` without a scheme is http on loopback, https elsewhere.
 */
export function summaryUrls(base: string): URL[] {
  let url: URL;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(base) ? base : `${/^(localhost|127\.|\[::1\])/.test(base) ? 'http' : 'https'}://${base}`;
  try {
    url = new URL(withScheme);
  } catch {
    throw new StatusCheckError(`${base}: not a URL (expected e.g. https://vipps.statuspage.io)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StatusCheckError(`${base}: only http and https status pages can be read`);
  if (url.pathname.endsWith('.json')) return [url];
  const under = new URL(url);
  under.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/summary.json`;
  if (url.pathname === '/' || url.pathname === '') return [under];
  return [under, new URL('/api/v2/summary.json', url)];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Fetches and checks one page; every failure is a StatusCheckError with a clear one-line message. */
export async function checkStatusPage(base: string, timeoutMs: number): Promise<PageReport> {
  const [first, ...rest] = summaryUrls(base);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await checkSummary(first!, signal, timeoutMs);
  } catch (err) {
    // Not found under the page's own path: the site's root (the emulator's /status is such a page).
    if (!(err instanceof NotFound) || rest.length === 0) throw err;
    try {
      return await checkSummary(rest[0]!, signal, timeoutMs);
    } catch (again) {
      throw again instanceof NotFound ? new StatusCheckError(`${err.message}; ${again.message}`) : again;
    }
  }
}

class NotFound extends StatusCheckError {}

async function checkSummary(url: URL, signal: AbortSignal, timeoutMs: number): Promise<PageReport> {
  const seconds = `${Math.round(timeoutMs / 100) / 10} s`;
  let text: string;
  let status: number;
  let statusText: string;
  try {
    const res = await fetch(url, { headers: { accept: 'application/json', 'user-agent': 'vipps-devkit-status' }, signal, redirect: 'follow' });
    status = res.status;
    statusText = res.statusText;
    text = await res.text();
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || signal.aborted) throw new StatusCheckError(`${url.href}: no answer within ${seconds} (timeout)`);
    const cause = e.cause?.code ?? e.cause?.message ?? e.message;
    throw new StatusCheckError(`${url.href}: unreachable (${cause})`);
  }
  if (status === 404) throw new NotFound(`${url.href}: HTTP 404 instead of a status page`);
  if (status < 200 || status >= 300) throw new StatusCheckError(`${url.href}: HTTP ${status}${statusText ? ` ${statusText}` : ''} instead of a status page`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const start = text.slice(0, 40).replace(/\s+/g, ' ');
    throw new StatusCheckError(`${url.href}: malformed status page: the answer is not JSON (it starts with "${start}")`);
  }
  const b = body as { page?: Record<string, unknown>; status?: { indicator?: unknown; description?: unknown }; components?: unknown; incidents?: unknown; scheduled_maintenances?: unknown };
  const indicator = b?.status?.indicator;
  if (typeof indicator !== 'string' || !(indicator in INDICATOR_RANK)) {
    throw new StatusCheckError(`${url.href}: malformed status page: status.indicator is missing or not one of none, minor, major, critical`);
  }
  for (const key of ['components', 'incidents', 'scheduled_maintenances'] as const) {
    if (b[key] !== undefined && !Array.isArray(b[key])) throw new StatusCheckError(`${url.href}: malformed status page: ${key} is not a list`);
  }
  const components = (b.components ?? []) as Array<Record<string, unknown>>;
  const groups = new Map(components.filter((c) => c.group === true).map((c) => [c.id, str(c.name)]));
  return {
    url: url.href,
    page: { name: str(b.page?.name) ?? url.host, url: str(b.page?.url), updatedAt: str(b.page?.updated_at) },
    indicator,
    description: str(b.status?.description) ?? indicator,
    components: components
      .filter((c) => c.group !== true)
      .map((c) => ({ name: str(c.name) ?? '?', group: groups.get(c.group_id) ?? null, status: str(c.status) ?? 'unknown' })),
    incidents: ((b.incidents ?? []) as Array<Record<string, unknown>>).map((i) => ({
      name: str(i.name) ?? '?',
      status: str(i.status) ?? 'unknown',
      impact: str(i.impact) ?? 'none',
      updatedAt: str(i.updated_at),
      shortlink: str(i.shortlink),
    })),
    maintenances: ((b.scheduled_maintenances ?? []) as Array<Record<string, unknown>>).map((m) => ({
      name: str(m.name) ?? '?',
      status: str(m.status) ?? 'unknown',
      scheduledFor: str(m.scheduled_for),
      scheduledUntil: str(m.scheduled_until),
    })),
  };
}

/** True when the indicator is at least as bad as the threshold. */
export function breaches(indicator: string, threshold: Threshold): boolean {
  return (INDICATOR_RANK[indicator] ?? 0) >= INDICATOR_RANK[threshold]!;
}

const human = (s: string) => s.replace(/_/g, ' ');

/** The table the CLI prints for one page. */
export function formatReport(r: PageReport): string {
  const lines = [`${r.page.name} (${r.url.replace(/\/api\/v2\/summary\.json$/, '')})`, `  status: ${r.indicator} — ${r.description}`];
  if (r.components.length) {
    const names = r.components.map((c) => (c.group ? `${c.group} / ${c.name}` : c.name));
    const width = Math.min(72, Math.max(9, ...names.map((n) => n.length)));
    lines.push('', `  ${'COMPONENT'.padEnd(width)}  STATUS`);
    r.components.forEach((c, i) => lines.push(`  ${names[i]!.padEnd(width)}  ${human(c.status)}`));
  }
  lines.push('', r.incidents.length ? '  Open incidents:' : '  No open incidents.');
  for (const i of r.incidents) lines.push(`  [${i.impact}] ${i.name} — ${i.status}${i.updatedAt ? ` (updated ${i.updatedAt})` : ''}${i.shortlink ? ` ${i.shortlink}` : ''}`);
  for (const m of r.maintenances) lines.push(`  [maintenance] ${m.name} — ${human(m.status)}${m.scheduledFor ? ` (${m.scheduledFor} – ${m.scheduledUntil ?? '?'})` : ''}`);
  return lines.join('\n');
}
