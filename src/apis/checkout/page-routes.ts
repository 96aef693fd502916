/**
 * The hosted checkout page's routes under /vippscheckout/v1/ (the module's browser-facing prefix:
 * Host allowlist and no cross-site writes). Forms post and redirect back (POST → 303 → GET), so a
 * reload never pays twice. The session is found by the token in the URL or the form.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Clock } from '../../platform/clock.js';
import type { MerchantDirectory } from '../../platform/merchants.js';
import { acceptHtmlForms, htmlPageHeaders } from '../../platform/page-hooks.js';
import type { Html } from '../../web/html.js';
import { errorPage } from '../../web/error-page.js';
import type { Customer, Session } from './domain.js';
import { cardPage, challengePage, checkoutPage, resultPage, waitingPage, type PageView } from './pages.js';
import { FRONTEND_PATH, type CheckoutService } from './service.js';
import { checkCard } from './test-cards.js';

function field(source: unknown, name: string): string | undefined {
  const v = source && typeof source === 'object' && Object.hasOwn(source, name) ? (source as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A phone number as typed: 8 Norwegian digits or an MSISDN, with or without + and spaces. */
function msisdn(typed: string): string | undefined {
  const digits = typed.replace(/[\s()-]/g, '').replace(/^\+/, '').replace(/^00/, '');
  if (/^\d{8}$/.test(digits)) return `47${digits}`;
  return /^\d{10,15}$/.test(digits) ? digits : undefined;
}

/** Pages are sent as they are: their schemas only document status and media type. */
const html = (description: string) => ({ description, content: { 'text/html': { schema: Type.String() } } });
const PAGE = { 200: html("The checkout page for the session's state"), 400: html('No token: a page saying so'), 404: html('No session has this token: a page') };
const FORM = { ...PAGE, 200: html('The page again, with what the form changed or why it was refused'), 303: Type.Null({ description: "On to the page (or the payment's landing page)" }), 409: html('The session can no longer be changed: the page saying so') };
const schema = (summary: string, response: object) => ({ schema: { summary, response } });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const checkoutPageRoutes = (checkout: CheckoutService, deps: { merchants: MerchantDirectory; clock: Clock }): FastifyPluginAsync => async (app) => {
  acceptHtmlForms(app);
  // Shops embed the page in an iframe (CO-G): framing is allowed for loopback and https shops only.
  htmlPageHeaders(app, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self' http://localhost:* http://127.0.0.1:* https:");

  const merchantName = (msn: string) => deps.merchants.get(msn)?.name ?? `Merchant ${msn}`;
  const page = (reply: FastifyReply, status: number, body: Html) => reply.code(status).type('text/html; charset=utf-8').send(body.value);
  const here = (s: Session) => `${FRONTEND_PATH}?token=${encodeURIComponent(s.token)}`;
  const back = (reply: FastifyReply, s: Session) => reply.redirect(here(s), 303);

  async function sessionOf(reply: FastifyReply, token: string | undefined): Promise<Session | undefined> {
    const found = token ? await checkout.byToken(token) : undefined;
    if (!found) {
      page(reply, token ? 404 : 400, errorPage('Checkout not found', token ? 'No checkout session belongs to this link: it may be from another emulator, or the data was reset.' : 'The link has no token. Open the checkoutFrontendUrl with ?token= and the token the Checkout API returned.', { href: '/app', text: 'Open the simulated Vipps app' }));
      return undefined;
    }
    return found;
  }

  /** The page for the session's state: details and pay, the card form, waiting for the app, or the result. */
  async function render(reply: FastifyReply, s: Session, status = 200, extra: Partial<PageView> = {}) {
    const payment = s.state === 'SessionCreated' || s.state === 'SessionExpired' ? undefined : await checkout.payment(s);
    const v: PageView = { session: s, merchantName: merchantName(s.msn), ...(payment ? { payment } : {}), ...extra };
    if (s.state === 'SessionCreated') return page(reply, status, checkoutPage(v));
    if (s.state === 'PaymentInitiated' && payment?.state === 'CREATED') return page(reply, status, s.paymentMethod === 'Card' ? cardPage(v) : waitingPage(v));
    return page(reply, status, resultPage(v));
  }

  app.get(FRONTEND_PATH, schema('The hosted checkout page (checkoutFrontendUrl?token=…)', PAGE), async (request, reply) => {
    const s = await sessionOf(reply, field(request.query, 'token'));
    return s ? render(reply, s) : reply;
  });

  app.post(`${FRONTEND_PATH}details`, schema("Contact details and address (then the shop's dynamic shipping options)", FORM), async (request, reply) => {
    const s = await sessionOf(reply, field(request.body, 'token'));
    if (!s) return reply;
    const typed = Object.fromEntries(['firstName', 'lastName', 'email', 'phoneNumber', 'streetAddress', 'postalCode', 'city', 'country'].map((k) => [k, (field(request.body, k) ?? '').trim()]));
    const again = (error: string) => render(reply, s, 400, { error, typed });
    if (!typed.firstName || !typed.lastName) return again('Fill in your first and last name.');
    if (!EMAIL.test(typed.email!)) return again('Fill in a valid email address.');
    const phone = msisdn(typed.phoneNumber!);
    if (!phone) return again('Fill in a valid mobile number, e.g. 97777776 or +4797777776.');
    const customer: Customer = {
      firstName: typed.firstName,
      lastName: typed.lastName,
      email: typed.email!,
      phoneNumber: phone,
      ...(typed.streetAddress ? { streetAddress: typed.streetAddress } : {}),
      ...(typed.postalCode ? { postalCode: typed.postalCode } : {}),
      ...(typed.city ? { city: typed.city } : {}),
      ...(typed.country ? { country: typed.country } : {}),
    };
    const r = await checkout.setCustomer(s, customer);
    if (!r.ok) return again(r.error.detail);
    if (r.dynamicError) return render(reply, r.value, 200, { dynamicNote: `The shop's delivery options could not be fetched (${r.dynamicError}); showing its standard options.` });
    return back(reply, r.value);
  });

  app.post(`${FRONTEND_PATH}shipping`, schema('Choose a shipping option', FORM), async (request, reply) => {
    const s = await sessionOf(reply, field(request.body, 'token'));
    if (!s) return reply;
    const r = await checkout.chooseShipping(s, field(request.body, 'shippingMethodId') ?? '');
    return r.ok ? back(reply, r.value) : render(reply, s, r.error.status, { error: r.error.detail });
  });

  app.post(`${FRONTEND_PATH}pay`, schema('Pay with Vipps (to the landing page) or with a card', FORM), async (request, reply) => {
    const s = await sessionOf(reply, field(request.body, 'token'));
    if (!s) return reply;
    const method = field(request.body, 'method') === 'card' ? 'Card' : 'Wallet';
    const r = await checkout.pay(s, method, field(request.body, 'consent') === 'yes', s.customer?.phoneNumber);
    if (!r.ok) return render(reply, s, r.error.status, { error: r.error.detail });
    // The Vipps app: the payment's landing page (which comes back here once the user acted).
    if (method === 'Wallet' && r.value.payment.landingUrl) return reply.redirect(r.value.payment.landingUrl, 303);
    return back(reply, r.value.session);
  });

  app.post(`${FRONTEND_PATH}card`, schema('A test card: approved, declined, or a 3-D Secure challenge', FORM), async (request, reply) => {
    const s = await sessionOf(reply, field(request.body, 'token'));
    if (!s) return reply;
    if (s.state !== 'PaymentInitiated' || s.paymentMethod !== 'Card') return back(reply, s);
    const form = { number: field(request.body, 'number') ?? '', expiry: field(request.body, 'expiry') ?? '', cvc: field(request.body, 'cvc') ?? '' };
    const card = checkCard(form, deps.clock.now());
    if (!card.ok) return render(reply, s, 400, { error: card.message, typed: { number: form.number, expiry: form.expiry } });
    if (card.behaviour.kind === 'challenge') {
      const payment = await checkout.payment(s);
      return page(reply, 200, challengePage({ session: s, merchantName: merchantName(s.msn), number: form.number.replace(/[\s-]/g, ''), ...(payment ? { payment } : {}) }));
    }
    const r = await checkout.payByCard(s, card.behaviour);
    if (!r.ok) return render(reply, s, r.status, { error: r.message });
    return back(reply, s);
  });

  app.post(`${FRONTEND_PATH}3ds`, schema('The 3-D Secure challenge: approve or deny', FORM), async (request, reply) => {
    const s = await sessionOf(reply, field(request.body, 'token'));
    if (!s) return reply;
    const number = field(request.body, 'number') ?? '';
    const card = checkCard({ number, expiry: '12/99', cvc: '000' }, deps.clock.now());
    if (s.state !== 'PaymentInitiated' || s.paymentMethod !== 'Card' || !card.ok || card.behaviour.kind !== 'challenge') return back(reply, s);
    const approved = field(request.body, 'decision') === 'approve';
    const r = await checkout.payByCard(s, approved ? { kind: 'approve' } : { kind: 'decline', reason: '3-D Secure denied', message: 'The 3-D Secure verification was denied.' });
    if (!r.ok) return render(reply, s, r.status, { error: r.message });
    return back(reply, s);
  });

  app.post(`${FRONTEND_PATH}cancel`, schema('Cancel the waiting payment', FORM), async (request, reply) => {
    const s = await sessionOf(reply, field(request.body, 'token'));
    if (!s) return reply;
    if (s.state !== 'PaymentInitiated') return back(reply, s);
    const r = await checkout.abort(s);
    if (!r.ok) return render(reply, s, r.status, { error: r.message });
    return back(reply, s);
  });
};
