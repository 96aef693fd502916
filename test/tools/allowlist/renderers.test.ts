import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAddressSet } from '../../../src/tools/allowlist/address-set.js';
import { RENDERERS, rendererFor, type RenderInput } from '../../../src/tools/allowlist/renderers/index.js';
import { skipNote } from '../../helpers/skip.js';
import { deleteNetns, isRoot, missingTools, netnsUnavailable, requireNetns, run } from './system-tools.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const EXTENSIONS: Record<string, string> = {
  nftables: 'nft', ipset: 'ipset', iptables: 'rules', ip6tables: 'rules', ufw: 'sh', nginx: 'conf', haproxy: 'lst',
  apache: 'conf', aws: 'json', gcp: 'json', azure: 'json', kubernetes: 'yaml', json: 'json', text: 'txt',
};

const input: RenderInput = {
  set: toAddressSet(['198.51.100.7', '192.0.2.10', '2001:db8:1::7', '2001:db8::10']),
  previous: toAddressSet(['192.0.2.10', '192.0.2.99', '2001:db8::10']),
  ports: [443, 8443],
  environments: ['prod', 'dr'],
  generatedAt: '2030-01-01T00:00:00.000Z',
  name: 'vipps-request-servers',
  options: {},
};
const render = (format: string) => rendererFor(format).render(input);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vdk-rules-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('golden output', () => {
  it('has a golden file for every format', () => {
    expect(Object.keys(EXTENSIONS).sort()).toEqual(RENDERERS.map((r) => r.format).sort());
  });

  it.each(RENDERERS.map((r) => r.format))('%s matches its golden file', async (format) => {
    const file = path.join(GOLDEN, `${format}.${EXTENSIONS[format]}`);
    const output = render(format);
    if (process.env.UPDATE_GOLDEN) await writeFile(file, output);
    expect(output).toBe(await readFile(file, 'utf8'));
  });
});

describe('structure', () => {
  it('cloud JSON carries every address as a host prefix, with the ports', () => {
    const aws = JSON.parse(render('aws'));
    expect(aws.IpPermissions.map((p: { FromPort: number }) => p.FromPort)).toEqual([443, 8443]);
    expect(aws.IpPermissions[0].IpRanges.map((r: { CidrIp: string }) => r.CidrIp)).toEqual(['192.0.2.10/32', '198.51.100.7/32']);
    expect(aws.IpPermissions[0].Ipv6Ranges.map((r: { CidrIpv6: string }) => r.CidrIpv6)).toEqual(['2001:db8::10/128', '2001:db8:1::7/128']);
    const gcp = JSON.parse(render('gcp'));
    expect(gcp.map((r: { sourceRanges: string[] }) => r.sourceRanges)).toEqual([['192.0.2.10/32', '198.51.100.7/32'], ['2001:db8::10/128', '2001:db8:1::7/128']]);
    const azure = JSON.parse(render('azure'));
    expect(azure.map((r: { properties: { priority: number } }) => r.properties.priority)).toEqual([300, 301]);
  });

  it('the NetworkPolicy is valid YAML selecting only labelled pods', () => {
    const policy = parseYaml(render('kubernetes'));
    expect(policy.kind).toBe('NetworkPolicy');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { app: 'vipps-callbacks' } });
    expect(policy.spec.ingress[0].from.map((f: { ipBlock: { cidr: string } }) => f.ipBlock.cidr)).toHaveLength(4);
    expect(policy.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 8443 }]);
  });

  it('ufw deletes what left since the previous set', () => {
    expect(render('ufw')).toContain('ufw delete allow proto tcp from 192.0.2.99 to any port 443,8443');
  });

  it('an empty set still renders valid, deny-everything output', () => {
    const empty = { ...input, set: toAddressSet([]) };
    expect(rendererFor('apache').render(empty)).toContain('Require all denied');
    expect(rendererFor('nftables').render(empty)).not.toContain('add element');
    expect(rendererFor('nginx').render(empty)).toContain('deny all;');
  });
});

// Decided before the tests are collected: a test whose tool or privilege is missing here is
// reported as skipped, with the reason in its name.
const noNetns = await netnsUnavailable();
const skipNft = missingTools(['nft'], 'nftables') ?? noNetns;
const skipIptables = missingTools(['ipset', 'iptables-restore', 'ip6tables-restore'], 'ipset iptables') ?? noNetns;
const skipNginx = missingTools(['nginx'], 'nginx-light');
const skipHaproxy = missingTools(['haproxy'], 'haproxy');
const skipApache = missingTools(['apache2'], 'apache2');
const skipUfw = missingTools(['ufw'], 'ufw') ?? (isRoot() ? undefined : 'ufw --dry-run needs root');

/** Checks with the real tools. */
describe('syntax checks with the real tools', () => {
  it.skipIf(skipNft !== undefined)(`nft accepts the nftables script, twice in a row, and loads the sets${skipNote(skipNft)}`, async () => {
    const ns = await requireNetns('vdk-nft');
    try {
      const script = path.join(dir, 'rules.nft');
      await writeFile(script, render('nftables'));
      const check = await run('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', script]);
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      for (let i = 0; i < 2; i += 1) expect((await run('ip', ['netns', 'exec', ns, 'nft', '-f', script])).code).toBe(0);
      const listed = await run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'set', 'inet', 'vipps_request_servers', 'allowed_v4']);
      expect(listed.stdout).toContain('198.51.100.7');
      const chain = await run('ip', ['netns', 'exec', ns, 'nft', 'list', 'chain', 'inet', 'vipps_request_servers', 'input']);
      expect(chain.stdout.match(/drop/g)).toHaveLength(1); // re-applying did not duplicate rules
      const broken = await run('ip', ['netns', 'exec', ns, 'nft', '-c', '-f', '-'], render('nftables').replace('198.51.100.7', '198.51.100.700'));
      expect(broken.code).not.toBe(0); // the check does catch a bad address
    } finally {
      await deleteNetns(ns);
    }
  });

  it.skipIf(skipIptables !== undefined)(`ipset restores the sets and iptables-restore/ip6tables-restore --test accept the chains${skipNote(skipIptables)}`, async () => {
    const ns = await requireNetns('vdk-ipt');
    try {
      const inNs = (cmd: string, args: string[], stdin?: string) => run('ip', ['netns', 'exec', ns, cmd, ...args], stdin);
      for (let i = 0; i < 2; i += 1) {
        const restored = await inNs('ipset', ['restore'], render('ipset'));
        expect(restored.stderr).toBe('');
        expect(restored.code).toBe(0);
      }
      const listed = await inNs('ipset', ['list', 'vipps-request-servers-v6']);
      expect(listed.stdout).toContain('2001:db8:1::7');
      expect((await inNs('ipset', ['list', '-n'])).stdout.trim().split('\n').sort()).toEqual(['vipps-request-servers-v4', 'vipps-request-servers-v6']);
      for (const [tool, format] of [['iptables-restore', 'iptables'], ['ip6tables-restore', 'ip6tables']] as const) {
        const tested = await inNs(tool, ['--test', '--noflush'], render(format));
        expect(tested.stderr).toBe('');
        expect(tested.code).toBe(0);
      }
      const broken = await inNs('iptables-restore', ['--test', '--noflush'], render('iptables').replace('--dports', '--dportz'));
      expect(broken.code).not.toBe(0);
    } finally {
      await deleteNetns(ns);
    }
  });

  it.skipIf(skipNginx !== undefined)(`nginx -t accepts the allow/deny snippet inside a location${skipNote(skipNginx)}`, async () => {
    const snippet = path.join(dir, 'vipps-request-servers.conf');
    await writeFile(snippet, render('nginx'));
    const conf = path.join(dir, 'nginx.conf');
    const temp = (n: string) => path.join(dir, n);
    await writeFile(conf, [
      `pid ${temp('nginx.pid')};`,
      'events {}',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${temp(t)};`),
      '  server {',
      '    listen 127.0.0.1:8080;',
      `    location /vipps/callbacks { include ${snippet}; return 204; }`,
      '  }',
      '}',
    ].join('\n'));
    const result = await run('nginx', ['-t', '-q', '-p', dir, '-c', conf, '-e', temp('error.log')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await writeFile(snippet, render('nginx').replace('allow 192.0.2.10;', 'allow 192.0.2.300;'));
    expect((await run('nginx', ['-t', '-q', '-p', dir, '-c', conf, '-e', temp('error.log')])).code).not.toBe(0);
  });

  it.skipIf(skipHaproxy !== undefined)(`haproxy -c accepts the ACL file${skipNote(skipHaproxy)}`, async () => {
    const acl = path.join(dir, 'vipps-request-servers.lst');
    await writeFile(acl, render('haproxy'));
    const cfg = path.join(dir, 'haproxy.cfg');
    await writeFile(cfg, [
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 1s',
      '  timeout server 1s',
      'frontend callbacks',
      '  bind 127.0.0.1:8081',
      `  acl vipps_request_server src -f ${acl}`,
      '  http-request deny deny_status 403 if { path_beg /vipps/callbacks } !vipps_request_server',
      '  default_backend shop',
      'backend shop',
      '  server shop 127.0.0.1:8082',
      '',
    ].join('\n'));
    const result = await run('haproxy', ['-c', '-q', '-f', cfg]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await writeFile(acl, render('haproxy') + 'not-an-address\n');
    expect((await run('haproxy', ['-c', '-q', '-f', cfg])).code).not.toBe(0);
  });

  it.skipIf(skipApache !== undefined)(`apache2 -t accepts the Require ip block inside a Location${skipNote(skipApache)}`, async () => {
    const modules = '/usr/lib/apache2/modules';
    const snippet = path.join(dir, 'vipps-request-servers.apache.conf');
    await writeFile(snippet, render('apache'));
    const conf = path.join(dir, 'httpd.conf');
    await writeFile(conf, [
      `ServerRoot ${dir}`,
      `LoadModule mpm_event_module ${modules}/mod_mpm_event.so`,
      `LoadModule authz_core_module ${modules}/mod_authz_core.so`,
      `LoadModule authz_host_module ${modules}/mod_authz_host.so`,
      'ServerName localhost',
      'Listen 127.0.0.1:8083',
      `PidFile ${path.join(dir, 'httpd.pid')}`,
      `ErrorLog ${path.join(dir, 'httpd-error.log')}`,
      `<Location /vipps/callbacks>`,
      `  Include ${snippet}`,
      '</Location>',
      '',
    ].join('\n'));
    const result = await run('apache2', ['-t', '-f', conf]);
    expect(result.code).toBe(0);
    await writeFile(snippet, render('apache').replace('192.0.2.10', '192.0.2.300'));
    expect((await run('apache2', ['-t', '-f', conf])).code).not.toBe(0);
  });

  it.skipIf(skipUfw !== undefined)(`ufw --dry-run accepts every rule of the script${skipNote(skipUfw)}`, async () => {
    const script = render('ufw');
    expect((await run('sh', ['-n'], script)).code).toBe(0);
    const commands = script.split('\n').filter((line) => line.startsWith('ufw allow'));
    expect(commands).toHaveLength(4);
    for (const command of commands) {
      const args = command.slice('ufw '.length).replace(/ comment '([^']*)'$/, '').split(' ');
      const result = await run('ufw', ['--dry-run', ...args, 'comment', 'vipps-request-servers']);
      expect(result.code).toBe(0);
    }
  });
});
