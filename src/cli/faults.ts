import { Command, InvalidArgumentError, Option } from 'commander';
import { ControlError, controlGet, controlSend, withEmulatorTarget, type EmulatorTarget } from './emulator-client.js';

interface FaultView {
  id: string;
  type: string;
  description: string;
  createdAt: string;
  incidentId: string;
}
interface MaintenanceView {
  id: string;
  name: string;
  status: string;
  scheduledFor: string;
  scheduledUntil: string;
  apis: string[];
  environment: string;
  unavailable: boolean;
}

const number = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
};
/** The control API's field names as this command's flags, for its refusals. */
const FLAG_OF: Record<string, string> = { latencyMs: '--ms', environment: '--env' };
for (const f of ['api', 'endpoint', 'distribution', 'min', 'max', 'mean', 'stddev', 'rate', 'status', 'message', 'mode', 'title']) FLAG_OF[f] = `--${f}`;
const inFlags = (detail: string) => detail.replace(new RegExp(`(?<![\\w/"-])(${Object.keys(FLAG_OF).join('|')})\\b(?!")`, 'g'), (name) => FLAG_OF[name]!);

const target = (o: { url: string; adminToken?: string }): EmulatorTarget => ({ url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) });
const print = (json: boolean | undefined, value: unknown, text: string) => process.stdout.write(`${json ? JSON.stringify(value, null, 2) : text}\n`);

function addCommand(): Command {
  return withEmulatorTarget(new Command('add'))
    .description('inject a fault; it opens an incident on the emulator\'s status page until cleared')
    .addArgument(new Command().createArgument('<type>', 'latency | errors | outage | callbacks | environment').choices(['latency', 'errors', 'outage', 'callbacks', 'environment']))
    .option('--api <api>', 'an API by its name on the status page, e.g. epayment, ecom, recurring, login (`vipps-devkit status` lists them)')
    .option('--endpoint <endpoint>', 'one endpoint instead of the whole API, e.g. "POST /epayment/v1/payments/:reference/capture"')
    .option('--ms <ms>', 'latency (latency, slow callbacks) in milliseconds', number)
    .addOption(new Option('--distribution <d>', 'latency distribution instead of a fixed --ms').choices(['uniform', 'normal']))
    .option('--min <ms>', 'uniform: shortest', number)
    .option('--max <ms>', 'uniform: longest', number)
    .option('--mean <ms>', 'normal: mean', number)
    .option('--stddev <ms>', 'normal: standard deviation', number)
    .option('--rate <0..1>', 'share of requests (errors) or attempts (failing callbacks) that fail; default 1', number)
    .option('--status <code>', 'HTTP status of injected errors (default 500)', number)
    .option('--message <text>', 'detail text of injected errors')
    .addOption(new Option('--mode <mode>', 'outage: reset (default) or 503; callbacks: slow or fail').choices(['reset', '503', 'slow', 'fail']))
    .option('--env <environment>', 'environment outage: prod or mt (default: the one the emulator plays); deliveries move to DR')
    .option('--title <title>', 'the incident\'s title on the status page')
    .option('--json', 'print the fault and its incident as JSON')
    .action(async (type: string, o: Record<string, any>) => {
      const body: Record<string, unknown> = { type };
      if (o.api) body.api = o.api;
      if (o.endpoint) body.endpoint = o.endpoint;
      if (o.ms !== undefined) body.latencyMs = o.ms;
      if (o.distribution) body.distribution = o.distribution;
      for (const k of ['min', 'max', 'mean', 'stddev', 'rate', 'status', 'message', 'mode', 'title'] as const) if (o[k] !== undefined) body[k] = o[k];
      if (o.env) body.environment = o.env;
      const r = await controlSend<{ fault: FaultView; incident: { id: string; name: string; status: string; shortlink: string } }>(target(o as { url: string }), 'POST', '/devkit/v1/faults', body).catch((err: unknown) => {
        throw err instanceof ControlError && err.status === 400 ? new Error(`faults add ${type}: ${inFlags(err.detail)}`) : err;
      });
      print(o.json, r, `fault ${r.fault.id}: ${r.fault.description}\nincident ${r.incident.id} "${r.incident.name}" ${r.incident.status} — ${r.incident.shortlink}\nclear it with: vipps-devkit faults clear ${r.fault.id}`);
    });
}

function listCommand(): Command {
  return withEmulatorTarget(new Command('list'))
    .description('the active faults')
    .option('--json', 'print as JSON')
    .action(async (o: { url: string; adminToken?: string; json?: boolean }) => {
      const { faults } = await controlGet<{ faults: FaultView[] }>(target(o), '/devkit/v1/faults');
      print(o.json, faults, faults.length ? faults.map((f) => `${f.id}  ${f.type.padEnd(11)}  ${f.description}  (since ${f.createdAt})`).join('\n') : 'No active faults.');
    });
}

function clearCommand(): Command {
  return withEmulatorTarget(new Command('clear'))
    .description('clear a fault (or all with --all); its incident is resolved')
    .argument('[id]', 'the fault to clear')
    .option('--all', 'clear every active fault')
    .option('--json', 'print as JSON')
    .action(async (id: string | undefined, o: { url: string; adminToken?: string; all?: boolean; json?: boolean }) => {
      if (!id && !o.all) throw new Error('name a fault id, or --all');
      if (id) {
        const r = await controlSend<{ fault: FaultView; incident: { id: string; status: string } | null }>(target(o), 'DELETE', `/devkit/v1/faults/${encodeURIComponent(id)}`);
        print(o.json, r, `fault ${r.fault.id} cleared${r.incident ? `; incident ${r.incident.id} ${r.incident.status}` : ''}`);
      } else {
        const r = await controlSend<{ cleared: FaultView[] }>(target(o), 'DELETE', '/devkit/v1/faults');
        print(o.json, r, `${r.cleared.length} fault(s) cleared`);
      }
    });
}

function maintenanceCommand(): Command {
  const add = withEmulatorTarget(new Command('add'))
    .description('schedule a maintenance window (it follows the emulator\'s clock)')
    .requiredOption('--duration <duration>', 'how long: "2h", "30m", "PT1H"')
    .option('--in <duration>', 'starts this long from now (default: now)')
    .option('--at <iso>', 'starts at this ISO-8601 time instead')
    .option('--apis <list>', 'comma-separated APIs (default: all)')
    .option('--env <environment>', 'prod, dr or mt (default: the one the emulator plays)')
    .option('--name <name>', 'title on the status page')
    .option('--unavailable', 'the APIs answer 503 while the window runs')
    .option('--json', 'print as JSON')
    .action(async (o: Record<string, any>) => {
      const body: Record<string, unknown> = { duration: o.duration };
      if (o.in) body.startsIn = o.in;
      if (o.at) body.startsAt = o.at;
      if (o.apis) body.apis = String(o.apis).split(',').map((s: string) => s.trim()).filter(Boolean);
      if (o.env) body.environment = o.env;
      if (o.name) body.name = o.name;
      if (o.unavailable) body.unavailable = true;
      const r = await controlSend<{ maintenance: MaintenanceView }>(target(o as { url: string }), 'POST', '/devkit/v1/maintenances', body);
      const m = r.maintenance;
      print(o.json, r, `maintenance ${m.id} "${m.name}" ${m.status}: ${m.scheduledFor} – ${m.scheduledUntil}`);
    });
  const list = withEmulatorTarget(new Command('list'))
    .description('maintenance windows and their state')
    .option('--json', 'print as JSON')
    .action(async (o: { url: string; adminToken?: string; json?: boolean }) => {
      const { maintenances } = await controlGet<{ maintenances: MaintenanceView[] }>(target(o), '/devkit/v1/maintenances');
      print(o.json, maintenances, maintenances.length ? maintenances.map((m) => `${m.id}  ${m.status.padEnd(11)}  ${m.scheduledFor} – ${m.scheduledUntil}  ${m.name}${m.unavailable ? ' (unavailable)' : ''}`).join('\n') : 'No maintenance windows.');
    });
  const cancel = withEmulatorTarget(new Command('cancel'))
    .description('cancel a window that has not started, or end a running one now')
    .argument('<id>')
    .action(async (id: string, o: { url: string; adminToken?: string }) => {
      const r = await controlSend<{ maintenance: MaintenanceView; deleted: boolean }>(target(o), 'DELETE', `/devkit/v1/maintenances/${encodeURIComponent(id)}`);
      process.stdout.write(`maintenance ${id} ${r.deleted ? 'cancelled' : 'ended'}\n`);
    });
  return new Command('maintenance').description('scheduled maintenance windows on the emulator\'s status page').addCommand(add).addCommand(list).addCommand(cancel);
}

/** `vipps-devkit faults ...`: fault injection into a running emulator. */
export function faultsCommand(): Command {
  return new Command('faults')
    .description('inject faults into a running emulator (latency, errors, outages, slow/failing callbacks, environment outage → DR) and schedule maintenance')
    .addCommand(listCommand())
    .addCommand(addCommand())
    .addCommand(clearCommand())
    .addCommand(maintenanceCommand());
}
