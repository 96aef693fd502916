// The example shop: one product, paid with Vipps ePayment, captured when shipped, refundable.
// Orders live in memory; a real shop keeps them in its database.
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { fastifyGuard, requestServerGuard } from 'vipps-devkit/allowlist';
import { orderPage, productPage } from './pages.js';
import { vippsClient } from './vipps.js';
import { hasValidSignature } from './webhook-signature.js';

export const PRODUCT = { name: 'Wool socks', price: 29900 }; // in øre: 299,00 kr
const WEBHOOK_EVENTS = ['authorized', 'aborted', 'expired', 'cancelled', 'captured', 'refunded', 'terminated'].map((e) => `epayments.payment.${e}.v1`);

/**
 * Starts the shop and registers its webhook with Vipps.
 * @param {object} options
 * @param {Parameters<typeof vippsClient>[0]} options.vipps  the merchant's keys and the API base URL
 * @param {{ environments?: ('prod' | 'dr' | 'mt')[], resolver?: string }} [options.requestServers]
 *   whose request servers may call the webhook endpoint (default: production's), and the DNS server to resolve them with
 * @param {number} [options.port]  0 picks a free one
 * @param {string} [options.host]
 * @param {string} [options.publicUrl]  how Vipps and browsers reach the shop (default: http://host:port)
 */
export async function startShop({ vipps: keys, requestServers = {}, port = 3000, host = '127.0.0.1', publicUrl }) {
  const vipps = vippsClient(keys);
  const orders = new Map();
  let shopUrl = publicUrl; // known once listening, when not given
  let webhookSecret = '';

  // Webhooks are accepted only from Vipps' request servers (resolved from their host names).
  const guard = requestServerGuard({ environments: requestServers.environments, resolver: requestServers.resolver });
  await guard.ready();

  const app = Fastify();
  // Buttons post empty HTML forms.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  /** The order's state, from the Vipps payment itself: the source of truth for what was paid. */
  async function sync(order) {
    const payment = await vipps.getPayment(order.id);
    const { capturedAmount, refundedAmount } = payment.aggregate;
    order.status =
      refundedAmount.value > 0 ? 'refunded'
      : capturedAmount.value > 0 ? 'shipped'
      : payment.state === 'AUTHORIZED' ? 'paid'
      : payment.state === 'CREATED' ? 'awaiting payment'
      : 'not paid'; // ABORTED, EXPIRED or TERMINATED
    return order;
  }

  function findOrder(request, reply) {
    const order = orders.get(request.params.id);
    if (!order) reply.code(404).type('text/plain').send('no such order');
    return order;
  }

  app.get('/', async (_request, reply) => reply.type('text/html').send(productPage(PRODUCT)));

  app.post('/buy', async (_request, reply) => {
    const order = { id: `shop-${randomBytes(6).toString('hex')}`, amount: PRODUCT.price, status: 'awaiting payment', webhooks: [] };
    orders.set(order.id, order);
    const payment = await vipps.createPayment({ reference: order.id, amount: order.amount, description: PRODUCT.name, returnUrl: `${shopUrl}/orders/${order.id}` });
    return reply.redirect(payment.redirectUrl, 303); // to Vipps, which sends the user back to returnUrl
  });

  app.get('/orders/:id', async (request, reply) => {
    const order = findOrder(request, reply);
    if (!order) return reply;
    await sync(order);
    if (request.headers.accept === 'application/json') return order;
    return reply.type('text/html').send(orderPage(order));
  });

  // Shipping is when the money is taken: capture what was authorized.
  app.post('/orders/:id/ship', async (request, reply) => {
    const order = findOrder(request, reply);
    if (!order) return reply;
    await vipps.capture(order.id, order.amount);
    await sync(order);
    return reply.redirect(`/orders/${order.id}`, 303);
  });

  app.post('/orders/:id/refund', async (request, reply) => {
    const order = findOrder(request, reply);
    if (!order) return reply;
    await vipps.refund(order.id, order.amount);
    await sync(order);
    return reply.redirect(`/orders/${order.id}`, 303);
  });

  // The webhook endpoint, in its own scope so its body stays the exact text that was signed.
  app.register(async (hooks) => {
    hooks.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    hooks.post('/vipps/webhooks', { onRequest: fastifyGuard(guard) }, async (request, reply) => {
      const signed = hasValidSignature({
        method: request.method,
        pathAndQuery: request.url,
        host: request.headers.host ?? '',
        body: request.body ?? '',
        headers: request.headers,
        secret: webhookSecret,
      });
      if (!signed) return reply.code(401).send({ error: 'bad signature' });
      const event = JSON.parse(request.body);
      const order = orders.get(event.reference);
      if (order) {
        order.webhooks.push(event.name);
        await sync(order);
      }
      return reply.code(200).send({ ok: true }); // anything 2xx: Vipps stops retrying
    });
  });

  await app.listen({ port, host });
  shopUrl ??= `http://${host.includes(':') ? `[${host}]` : host}:${app.server.address().port}`;
  ({ secret: webhookSecret } = await vipps.registerWebhook(`${shopUrl}/vipps/webhooks`, WEBHOOK_EVENTS));
  return {
    url: shopUrl,
    orders,
    async close() {
      guard.close();
      await app.close();
    },
  };
}
