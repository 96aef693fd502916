import type { FastifyInstance } from 'fastify';

/**
 * What every HTML page of a module's plugin carries (the landing page and app, the checkout page):
 * its Content-Security-Policy, no sniffing, no Referer (a page's URL may hold a payment link's
 * token) and no caching. JSON answers of the same plugin are left alone. Each module passes its
 * own policy: which forms may post where, who may frame the page.
 */
export function htmlPageHeaders(app: FastifyInstance, contentSecurityPolicy: string): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', contentSecurityPolicy);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });
}

/**
 * HTML forms (`application/x-www-form-urlencoded`) parsed into a flat object of their fields. With
 * `lists`, a field sent more than once (a group of checkboxes) is kept as an array of its values;
 * otherwise the last value wins.
 */
export function acceptHtmlForms(app: FastifyInstance, bodyLimit = 16 * 1024, options: { lists?: boolean } = {}): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const params = new URLSearchParams(body as string);
    if (!options.lists) return done(null, Object.fromEntries(params));
    const fields: Record<string, string | string[]> = {};
    for (const name of new Set(params.keys())) {
      const all = params.getAll(name);
      Object.defineProperty(fields, name, { value: all.length > 1 ? all : all[0]!, enumerable: true, writable: true, configurable: true });
    }
    done(null, fields);
  });
}
