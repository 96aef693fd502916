import { Command } from 'commander';
import { controlSend, withEmulatorTarget } from './emulator-client.js';

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

/** `vipps-devkit payments approve|reject`: what the user does in the app, from a terminal. */
export function paymentsCommand(): Command {
  return new Command('payments').description('act on ePayment payments as the user would').addCommand(decide('approve')).addCommand(decide('reject'));
}
