import { Command, InvalidArgumentError } from 'commander';
import { controlGet, controlSend, withEmulatorTarget, type EmulatorTarget } from './emulator-client.js';

interface Decided {
  reference: string;
  state: string;
  msn: string;
  phoneNumber: string;
  aggregate: { authorizedAmount: { value: number; currency: string } };
}

function decide(decision: 'approve' | 'reject'): Command {
  return withEmulatorTarget(new Command(decision))
    .description(decision === 'approve' ? 'approve an ePayment payment as the user, in the simulated app' : 'reject an ePayment payment as the user')
    .argument('<reference>', 'the payment\'s reference')
    .option('--phone <number>', 'the test user (default: the payment\'s customer, else the user it was sent to, else the first)')
    .option('--msn <msn>', 'the merchant, when two use the reference')
    .option('--json', 'print the payment as JSON')
    .action(async (reference: string, o: { url: string; adminToken?: string; phone?: string; msn?: string; json?: boolean }) => {
      const body = { ...(o.phone ? { phoneNumber: o.phone } : {}), ...(o.msn ? { msn: o.msn } : {}) };
      const p = await controlSend<Decided>({ url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) }, 'POST', `/devkit/v1/payments/${encodeURIComponent(reference)}/${decision}`, body);
      const amount = p.aggregate.authorizedAmount;
      process.stdout.write(o.json ? `${JSON.stringify(p, null, 2)}\n` : `${p.reference}: ${p.state} by ${p.phoneNumber} (merchant ${p.msn}, authorized ${amount.value / 100} ${amount.currency})\n`);
    });
}

interface Listed {
  msn: string;
  id: string;
  state: string;
  amount: { currency: string; value: number } | null;
  description: string | null;
  phoneNumber: string | null;
  createdAt: string;
  owner: string | null;
}
interface Detail extends Listed {
  timeline: Array<{ at: string; name: string; amount: { currency: string; value: number } | null; success: boolean }>;
  deliveries: {
    deliveries: Array<{ id: string; eventType: string; status: string; attempts: number; webhookId: string; lastError: string | null }>;
    attempts: Array<{ deliveryId: string; attempt: number; at: string; request: { url: string }; response: { status: number } | null; error: string | null }>;
  };
}

const money = (m: Listed['amount']) => (m ? `${(m.value / 100).toFixed(2)} ${m.currency}` : '');
const target = (o: { url: string; adminToken?: string }): EmulatorTarget => ({ url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) });
const limit = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 200) throw new InvalidArgumentError('must be a whole number from 1 to 200');
  return v;
};

function listCommand(): Command {
  return withEmulatorTarget(new Command('list'))
    .description('list ePayment payments, newest first (GET /devkit/v1/payments)')
    .option('--state <state>', 'only this state: CREATED, AUTHORIZED, ABORTED, EXPIRED, TERMINATED')
    .option('--msn <msn>', 'only this merchant')
    .option('--search <text>', 'text in the reference, description or phone number')
    .option('--limit <n>', 'at most this many (1–200)', limit, '50')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .option('--json', 'print the page as JSON ({items, cursor})')
    .action(async (o: { url: string; adminToken?: string; state?: string; msn?: string; search?: string; limit: string; cursor?: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: o.limit });
      if (o.state) q.set('state', o.state);
      if (o.msn) q.set('msn', o.msn);
      if (o.search) q.set('q', o.search);
      if (o.cursor) q.set('cursor', o.cursor);
      const page = await controlGet<{ items: Listed[]; cursor: string | null }>(target(o), `/devkit/v1/payments?${q}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return;
      }
      if (page.items.length === 0) process.stderr.write('no payments\n');
      for (const p of page.items) {
        process.stdout.write(`${p.createdAt}  ${p.state.padEnd(10)}  ${money(p.amount).padStart(14)}  ${p.msn}  ${p.id}${p.description ? `  ${p.description}` : ''}${p.owner ? `  (for ${p.owner})` : ''}\n`);
      }
      if (page.cursor) process.stderr.write(`more: --cursor ${page.cursor}\n`);
    });
}

function getCommand(): Command {
  return withEmulatorTarget(new Command('get'))
    .description('one ePayment payment: its events and its webhook deliveries (GET /devkit/v1/payments/{reference})')
    .argument('<reference>', 'the payment\'s reference')
    .option('--msn <msn>', 'the merchant, when two use the reference')
    .option('--json', 'print it as JSON')
    .action(async (reference: string, o: { url: string; adminToken?: string; msn?: string; json?: boolean }) => {
      const p = await controlGet<Detail>(target(o), `/devkit/v1/payments/${encodeURIComponent(reference)}${o.msn ? `?msn=${encodeURIComponent(o.msn)}` : ''}`);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
        return;
      }
      const lines = [
        `${p.id}: ${p.state}, ${money(p.amount)} (merchant ${p.msn})${p.description ? ` — ${p.description}` : ''}`,
        'events:',
        ...p.timeline.map((e) => `  ${e.at}  ${e.name}${e.amount ? ` ${money(e.amount)}` : ''}${e.success ? '' : ' (failed)'}`),
        'deliveries:',
        ...(p.deliveries.deliveries.length === 0 ? ['  none'] : []),
        ...p.deliveries.deliveries.flatMap((d) => [
          `  ${d.id}  ${d.eventType}  ${d.status} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastError ? ` (${d.lastError})` : ''}`,
          ...p.deliveries.attempts.filter((a) => a.deliveryId === d.id).map((a) => `    #${a.attempt} ${a.at}  ${a.response ? a.response.status : 'ERR'}  → ${a.request.url}${a.error ? `  ${a.error}` : ''}`),
        ]),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** `vipps-devkit payments list|get|approve|reject`: what landed, and what the user does in the app, from a terminal. */
export function paymentsCommand(): Command {
  return new Command('payments').description('ePayment payments: list and show them, act on them as the user would').addCommand(listCommand()).addCommand(getCommand()).addCommand(decide('approve')).addCommand(decide('reject'));
}
