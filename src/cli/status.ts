import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_STATUS_PAGES, breaches, checkStatusPage, formatReport, StatusCheckError, type PageReport, type Threshold } from '../tools/statuscheck/statuscheck.js';

/** Exit codes of `vipps-devkit status`, for CI gates. */
export const STATUS_EXIT = { ok: 0, threshold: 1, unreadable: 2 } as const;

const seconds = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 300) throw new InvalidArgumentError('must be a number of seconds from 0 to 300');
  return n;
};

/**
 * `vipps-devkit status`: the overall indicator, components, open incidents and maintenance of one
 * or more statuspage.io pages — by default the real Vipps MobilePay MT and production pages.
 */
export function statusCommand(): Command {
  return new Command('status')
    .description('show the status of Vipps MobilePay (statuspage.io v2 pages; default: the real MT and production pages) and fail a CI step when it is bad')
    .addOption(new Option('--url <url>', 'a statuspage.io page (base URL or its /api/v2/summary.json); repeat for several. Default: the real MT and production pages').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .addOption(new Option('--fail-on <level>', 'exit 1 when a page\'s indicator is this bad or worse').choices(['minor', 'major', 'critical']))
    .option('--timeout <seconds>', 'give up on a page after this long', seconds, 10)
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `\nExit codes: 0 fine (or no --fail-on), ${STATUS_EXIT.threshold} an indicator at or above --fail-on, ${STATUS_EXIT.unreadable} a page could not be read (unreachable, timeout, HTTP error, not a status page).`)
    .action(async (o: { url?: string[]; failOn?: Threshold; timeout: number; json?: boolean }) => {
      const urls = o.url?.length ? o.url : DEFAULT_STATUS_PAGES.map((p) => p.url);
      const results = await Promise.all(
        urls.map(async (url) => {
          try {
            return { url, report: await checkStatusPage(url, o.timeout * 1000) };
          } catch (err) {
            if (!(err instanceof StatusCheckError)) throw err;
            return { url, error: err.message };
          }
        }),
      );
      const reports = results.filter((r): r is { url: string; report: PageReport } => 'report' in r);
      const errors = results.filter((r): r is { url: string; error: string } => 'error' in r);
      const breached = o.failOn ? reports.filter((r) => breaches(r.report.indicator, o.failOn!)) : [];
      const code = errors.length ? STATUS_EXIT.unreadable : breached.length ? STATUS_EXIT.threshold : STATUS_EXIT.ok;
      if (o.json) {
        const worst = reports.map((r) => r.report.indicator).sort((a, b) => rank(b) - rank(a))[0] ?? null;
        const out = { ok: code === 0, exitCode: code, failOn: o.failOn ?? null, worst, pages: results.map((r) => ('report' in r ? r.report : { url: r.url, error: r.error })) };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(`${reports.map((r) => formatReport(r.report)).join('\n\n')}${reports.length ? '\n' : ''}`);
        if (breached.length) process.stdout.write(`\nFAIL: ${breached.map((r) => `${r.report.page.name} is ${r.report.indicator}`).join(', ')} (--fail-on ${o.failOn})\n`);
      }
      for (const e of errors) process.stderr.write(`error: ${e.error}\n`);
      process.exitCode = code;
    });
}

const rank = (indicator: string) => ({ none: 0, maintenance: 1, minor: 1, major: 2, critical: 3 })[indicator] ?? 0;
