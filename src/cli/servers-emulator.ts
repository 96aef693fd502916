import { Command } from 'commander';
import { controlGet, withEmulatorTarget } from './emulator-client.js';

interface ServersView {
  home: string;
  deliveringFrom: { environment: string; hostname: string; address: string };
  dns: { host: string; port: number } | null;
  environments: Array<{ environment: string; down: boolean; generation: number; servers: Array<{ hostname: string; address: string; active: boolean }> }>;
}

/** Emulator side: the request-server table of a running emulator and which server sends now. */
export function activeServersCommand(): Command {
  return withEmulatorTarget(new Command('active'))
    .description('show a running emulator\'s request servers: addresses, the active one per environment, and where deliveries come from')
    .option('--json', 'print the table as JSON')
    .action(async (o: { url: string; adminToken?: string; json?: boolean }) => {
      const view = await controlGet<ServersView>({ url: o.url, ...(o.adminToken ? { adminToken: o.adminToken } : {}) }, '/devkit/v1/request-servers');
      if (o.json) {
        process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
        return;
      }
      const lines = ['ENV   HOSTNAME                  ADDRESS         STATE'];
      for (const env of view.environments) {
        for (const s of env.servers) {
          const state = [s.active ? 'active' : '', env.down ? 'environment down' : ''].filter(Boolean).join(', ');
          lines.push(`${env.environment.padEnd(5)} ${s.hostname.padEnd(25)} ${s.address.padEnd(15)} ${state}`);
        }
      }
      lines.push('', `Deliveries come from ${view.deliveringFrom.hostname} (${view.deliveringFrom.address}), environment ${view.deliveringFrom.environment}.`);
      if (view.dns) lines.push(`Built-in DNS: ${view.dns.host}:${view.dns.port} (dig @${view.dns.host} -p ${view.dns.port} ${view.deliveringFrom.hostname})`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
