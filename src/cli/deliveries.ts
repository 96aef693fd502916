import { Command, InvalidArgumentError } from 'commander';
import { controlGet, controlSend, withEmulatorTarget, type EmulatorTarget } from './emulator-client.js';

interface Attempt {
  at: string;
  attempt: number;
  eventType: string;
  eventId: string;
  reference: string;
  request: { url: string };
  response: { status: number } | null;
  latencyMs: number;
  source: { environment: string; hostname: string; address: string };
  error: string | null;
}
interface DeliveryPage {
  attempts: Attempt[];
  cursor: string | null;
}

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
};

export function formatAttempt(a: Attempt): string {
  const outcome = a.response ? String(a.response.status) : 'ERR';
  return `${a.at}  ${outcome.padEnd(3)}  #${a.attempt}  ${a.eventType}  ${a.reference}  → ${a.request.url}  from ${a.source.hostname} (${a.source.address})  ${a.latencyMs} ms${a.error ? `  ${a.error}` : ''}`;
}

function tailCommand(): Command {
  return withEmulatorTarget(new Command('tail'))
    .description('print the delivery log (webhook attempts) live, as attempts happen')
    .option('--reference <reference>', 'only this payment')
    .option('--webhook <id>', 'only this webhook')
    .option('--interval <seconds>', 'how often to poll', positive, 1)
    .option('--once', 'print what is there and exit')
    .option('--json', 'one JSON object per attempt (JSON Lines)')
    .action(async (o: { url: string; adminToken?: string; reference?: string; webhook?: string; interval: number; once?: boolean; json?: boolean }) => {
      const target: EmulatorTarget = { url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) };
      let cursor: string | null = null;
      let stop = false;
      process.once('SIGINT', () => (stop = true));
      if (!o.once && !o.json) process.stderr.write(`tailing deliveries of ${o.url} (Ctrl+C stops)\n`);
      while (!stop) {
        const q = new URLSearchParams({ limit: '500' });
        if (o.reference) q.set('reference', o.reference);
        if (o.webhook) q.set('webhookId', o.webhook);
        if (cursor) q.set('after', cursor);
        const page: DeliveryPage = await controlGet<DeliveryPage>(target, `/devkit/v1/deliveries?${q}`);
        for (const a of page.attempts) process.stdout.write(`${o.json ? JSON.stringify(a) : formatAttempt(a)}\n`);
        cursor = page.cursor;
        if (o.once) break;
        if (page.attempts.length < 500) await new Promise((r) => setTimeout(r, o.interval * 1000));
      }
    });
}

function replayCommand(): Command {
  return withEmulatorTarget(new Command('replay'))
    .description('send a delivery again now: same event, payload, target and signing, one attempt (POST /devkit/v1/deliveries/{id}/replay)')
    .argument('<id>', 'the delivery\'s id (deliveries tail --json, payments get)')
    .option('--json', 'print the new delivery as JSON')
    .action(async (id: string, o: { url: string; adminToken?: string; json?: boolean }) => {
      const target: EmulatorTarget = { url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) };
      const r = await controlSend<{ id: string; replayOf: string; eventType: string; reference: string; url: string }>(target, 'POST', `/devkit/v1/deliveries/${encodeURIComponent(id)}/replay`);
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `replaying ${r.eventType} of ${r.reference} to ${r.url} as delivery ${r.id}\n`);
    });
}

export function deliveriesCommand(): Command {
  return new Command('deliveries').description('the emulator\'s webhook and callback deliveries').addCommand(tailCommand()).addCommand(replayCommand());
}
