import { allAddresses } from '../address-set.js';
import { comment, headerLines, type RenderInput, type Renderer } from './types.js';

/** For `include` inside the nginx `location` that receives callbacks. */
export const nginxRenderer: Renderer = {
  format: 'nginx',
  description: 'nginx: allow/deny lines to include in the callback location',
  needsPorts: false,
  render(input: RenderInput): string {
    return comment(headerLines({ ...input, ports: [] })) + [...allAddresses(input.set).map((a) => `allow ${a};`), 'deny all;'].join('\n') + '\n';
  },
};

/** An HAProxy ACL file, one address per line: `acl vipps src -f <file>`. */
export const haproxyRenderer: Renderer = {
  format: 'haproxy',
  description: 'HAProxy: ACL file of source addresses for `acl ... src -f FILE`',
  needsPorts: false,
  render(input: RenderInput): string {
    return comment(headerLines({ ...input, ports: [] })) + allAddresses(input.set).join('\n') + '\n';
  },
};

/** For `Include` inside the Apache `<Location>` that receives callbacks. */
export const apacheRenderer: Renderer = {
  format: 'apache',
  description: 'Apache httpd: `Require ip` block to include in the callback <Location>',
  needsPorts: false,
  render(input: RenderInput): string {
    const addresses = allAddresses(input.set);
    // `Require ip` needs at least one address; an empty set denies everybody.
    const rule = addresses.length ? `Require ip ${addresses.join(' ')}` : 'Require all denied';
    return comment(headerLines({ ...input, ports: [] })) + ['<RequireAny>', `    ${rule}`, '</RequireAny>'].join('\n') + '\n';
  },
};
