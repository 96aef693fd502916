import { allAddresses } from '../address-set.js';
import { headerLines, type RenderInput, type Renderer } from './types.js';

const hostCidr = (address: string) => (address.includes(':') ? `${address}/128` : `${address}/32`);
const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** Input for `aws ec2 authorize-security-group-ingress --cli-input-json file://...`. */
export const awsRenderer: Renderer = {
  format: 'aws',
  description: 'AWS: security group ingress permissions (JSON for --cli-input-json)',
  needsPorts: true,
  render(input: RenderInput): string {
    const description = `${input.name} (${input.environments.join(', ')})`;
    return json({
      GroupId: input.options.awsGroupId ?? 'sg-REPLACE_ME',
      IpPermissions: input.ports.map((port) => ({
        IpProtocol: 'tcp',
        FromPort: port,
        ToPort: port,
        IpRanges: input.set.ipv4.map((a) => ({ CidrIp: hostCidr(a), Description: description })),
        Ipv6Ranges: input.set.ipv6.map((a) => ({ CidrIpv6: hostCidr(a), Description: description })),
      })),
    });
  },
};

/** Rule resources for the Compute API / `gcloud compute firewall-rules`; a rule holds one address family only. */
export const gcpRenderer: Renderer = {
  format: 'gcp',
  description: 'Google Cloud: VPC firewall rule resources (JSON), one per address family',
  needsPorts: true,
  render(input: RenderInput): string {
    const rules = ([['v4', input.set.ipv4], ['v6', input.set.ipv6]] as const)
      .filter(([, addresses]) => addresses.length > 0)
      .map(([family, addresses]) => ({
        name: `${input.name}-${family}`,
        description: headerLines(input)[0],
        network: input.options.gcpNetwork ?? 'global/networks/default',
        direction: 'INGRESS',
        priority: input.options.priority ?? 1000,
        sourceRanges: addresses.map(hostCidr),
        allowed: [{ IPProtocol: 'tcp', ports: input.ports.map(String) }],
      }));
    return json(rules);
  },
};

/** Network security group `securityRules` entries (ARM JSON), one per address family. */
export const azureRenderer: Renderer = {
  format: 'azure',
  description: 'Azure: network security group inbound rules (ARM JSON), one per address family',
  needsPorts: true,
  render(input: RenderInput): string {
    const priority = input.options.priority ?? 300;
    const rules = ([['v4', input.set.ipv4], ['v6', input.set.ipv6]] as const)
      .filter(([, addresses]) => addresses.length > 0)
      .map(([family, addresses], index) => ({
        name: `${input.name}-${family}`,
        properties: {
          description: headerLines(input)[0]!.slice(0, 140),
          protocol: 'Tcp',
          sourcePortRange: '*',
          sourceAddressPrefixes: addresses,
          destinationAddressPrefix: '*',
          destinationPortRanges: input.ports.map(String),
          access: 'Allow',
          priority: priority + index,
          direction: 'Inbound',
        },
      }));
    return json(rules);
  },
};

/** A NetworkPolicy for the pods that receive callbacks (selected by label, never all pods by default). */
export const kubernetesRenderer: Renderer = {
  format: 'kubernetes',
  description: 'Kubernetes: NetworkPolicy (YAML) admitting only the request servers to the selected pods',
  needsPorts: true,
  render(input: RenderInput): string {
    const selector = input.options.k8sSelector ?? { app: 'vipps-callbacks' };
    const lines = [
      ...headerLines(input).map((l) => `# ${l}`),
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata:',
      `  name: ${input.name}`,
      ...(input.options.k8sNamespace ? [`  namespace: ${input.options.k8sNamespace}`] : []),
      'spec:',
      '  podSelector:',
      '    matchLabels:',
      ...Object.entries(selector).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`),
      '  policyTypes:',
      '    - Ingress',
      '  ingress:',
      '    - from:',
      ...allAddresses(input.set).flatMap((a) => ['        - ipBlock:', `            cidr: ${hostCidr(a)}`]),
      '      ports:',
      ...input.ports.flatMap((p) => ['        - protocol: TCP', `          port: ${p}`]),
    ];
    return lines.join('\n') + '\n';
  },
};
