import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { acceptHtmlForms, htmlPageHeaders } from '../../platform/page-hooks.js';
import type { TestUser } from '../../platform/test-users.js';
import type { InboxVia, PaymentRequestView } from '../../platform/user-inbox.js';
import { appHomePage } from '../../web/app-home.js';
import { appSwitchPage } from '../../web/app-switch.js';
import { appUserPage, type AppUserView, type ShippingOffer } from '../../web/app-user.js';
import { errorPage } from '../../web/error-page.js';
import { formatPhone, normalizePhone, visibleState } from '../../web/format.js';
import type { Html } from '../../web/html.js';
import { landingPage } from '../../web/landing.js';
import { qrImage } from '../../web/qr.js';
import type { Platform } from '../module.js';

/** The test users' PIN in MT ("Verify your number", "Enter your code"). */
export const TEST_PIN = '1236';

const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;

/** A form or query field, only when it is a string (bodies may be JSON or repeat a field). */
function field(source: unknown, name: string): string | undefined {
  // Own properties only: a request never reaches Object.prototype through a field name.
  const v = source && typeof source === 'object' && Object.hasOwn(source, name) ? (source as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** A URL for the Location header: normalised and percent-encoded (the domain already validated it). */
function location(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return '/';
  }
}

/**
 * The user side in the browser: the landing page, the app-switch stand-in, QR images and the
 * simulated Vipps app. Server-rendered, every value escaped, no external assets. Payments of every
 * API are reached through the user inbox's providers (`platform.inbox`), never an API's own code.
 */
export const usersideRoutes = (ctx: Platform): FastifyPluginAsync => async (app) => {
  const { inbox } = ctx;
  const merchantName = (msn: string) => ctx.merchants.get(msn)?.name ?? `Merchant ${msn}`;

  acceptHtmlForms(app);
  // The token in a page's URL must not travel to the merchant's page in a Referer header (htmlPageHeaders sends none).
  htmlPageHeaders(app, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'");

  const page = (reply: FastifyReply, status: number, body: Html) => reply.code(status).type('text/html; charset=utf-8').send(body.value);
  const fail = (reply: FastifyReply, status: number, title: string, message: string) => page(reply, status, errorPage(title, message));

  /** The payment request behind a link's token, or an error page already sent. */
  async function byToken(reply: FastifyReply, token: string | undefined): Promise<PaymentRequestView | undefined> {
    if (!token || !TOKEN.test(token)) {
      fail(reply, 400, 'Invalid payment link', 'The link has no valid token. Use the redirectUrl exactly as the ePayment API returned it.');
      return undefined;
    }
    const payment = await inbox.byToken(token);
    if (!payment) {
      fail(reply, 404, 'Payment not found', 'No payment belongs to this link. It may be from another emulator, or the data was reset.');
      return undefined;
    }
    return payment;
  }

  /** Where the app inbox keeps a request. */
  const at = (p: PaymentRequestView) => ({ msn: p.msn, key: p.key });

  /** The test user of a phone number in a path, or an error page already sent. */
  async function userOf(reply: FastifyReply, raw: string): Promise<TestUser | undefined> {
    const phone = normalizePhone(raw);
    if (!phone) {
      fail(reply, 400, 'Invalid phone number', `${raw} is not a phone number. Use 8 digits or the MSISDN form, e.g. 4797777776.`);
      return undefined;
    }
    const user = await ctx.users.find(phone);
    if (!user) {
      fail(reply, 404, 'Unknown user', `There is no Vipps test user with the number ${formatPhone(phone)}.`);
      return undefined;
    }
    return user;
  }

  /** The redirect after the user acted: browser flows go on to the merchant; push and QR payments end in the app. */
  const afterDecision = (reply: FastifyReply, p: PaymentRequestView, user: TestUser, decision: 'approve' | 'reject') => {
    if (p.returnUrl && (p.flow === 'WEB_REDIRECT' || p.flow === 'NATIVE_REDIRECT')) return reply.redirect(location(p.returnUrl), 303);
    const notice = p.login ? (decision === 'approve' ? 'logged-in' : 'login-refused') : decision === 'approve' ? 'approved' : 'rejected';
    return reply.redirect(`/app/${user.phoneNumber}?notice=${notice}&ref=${encodeURIComponent(p.login ? merchantName(p.msn) : p.reference)}`, 303);
  };

  // ---- landing page (WEB_REDIRECT, and QR's TEXT/TARGETURL) ----

  app.get('/landing', async (request, reply) => {
    const p = await byToken(reply, field(request.query, 'token'));
    if (!p) return reply;
    const sentTo = await inbox.recipient(at(p));
    const state = visibleState(p, ctx.clock.now());
    // The waiting page (it reloads itself) sends the browser on to the merchant once the user has acted in the app.
    if (sentTo && state !== 'CREATED' && p.returnUrl && p.flow === 'WEB_REDIRECT') return reply.redirect(location(p.returnUrl), 303);
    return page(reply, 200, landingPage({
      payment: p,
      merchantName: merchantName(p.msn),
      state,
      phoneNumber: sentTo ?? p.customerPhoneNumber ?? '',
      ...(sentTo ? { sentTo } : {}),
    }));
  });

  app.post('/landing', async (request, reply) => {
    const p = await byToken(reply, field(request.body, 'token'));
    if (!p) return reply;
    const typed = field(request.body, 'phoneNumber') ?? '';
    const again = (status: number, error: string) =>
      page(reply, status, landingPage({ payment: p, merchantName: merchantName(p.msn), state: visibleState(p, ctx.clock.now()), phoneNumber: typed, error }));
    if (visibleState(p, ctx.clock.now()) !== 'CREATED') return again(409, 'This payment is no longer waiting.');

    if (field(request.body, 'action') === 'cancel') {
      const r = await inbox.providerOf(p).cancel(p);
      if (!r.ok) return again(r.status, r.message);
      return p.returnUrl ? reply.redirect(location(p.returnUrl), 303) : reply.redirect(`/landing?token=${encodeURIComponent(p.token)}`, 303);
    }

    const phone = normalizePhone(typed);
    if (!phone) return again(400, 'Enter a phone number: 8 digits, e.g. 97777776.');
    if (!(await ctx.users.find(phone))) {
      return again(400, `${formatPhone(phone)} is not a Vipps user. Check the number, or create a test user (POST /devkit/v1/users).`);
    }
    await inbox.send(p, phone, p.flow === 'QR' ? 'QR' : 'LANDING');
    return reply.redirect(`/app/${phone}`, 303);
  });

  // ---- NATIVE_REDIRECT: stands in for the switch to the app ----

  app.get('/app-switch', async (request, reply) => {
    const p = await byToken(reply, field(request.query, 'token'));
    if (!p) return reply;
    const first = (await ctx.users.list())[0]?.phoneNumber ?? '';
    return page(reply, 200, appSwitchPage({ payment: p, merchantName: merchantName(p.msn), state: visibleState(p, ctx.clock.now()), phoneNumber: p.customerPhoneNumber ?? first }));
  });

  app.post('/app-switch', async (request, reply) => {
    const p = await byToken(reply, field(request.body, 'token'));
    if (!p) return reply;
    const typed = field(request.body, 'phoneNumber') ?? '';
    const again = (status: number, error: string) =>
      page(reply, status, appSwitchPage({ payment: p, merchantName: merchantName(p.msn), state: visibleState(p, ctx.clock.now()), phoneNumber: typed, error }));
    if (visibleState(p, ctx.clock.now()) !== 'CREATED') return again(409, 'This payment is no longer waiting.');
    const phone = normalizePhone(typed);
    if (!phone) return again(400, 'Enter a phone number: 8 digits, e.g. 97777776.');
    if (!(await ctx.users.find(phone))) return again(400, `${formatPhone(phone)} is not a Vipps user.`);
    await inbox.send(p, phone, 'APP_SWITCH');
    return reply.redirect(`/app/${phone}`, 303);
  });

  // ---- QR: a real QR code of the payment link ----

  app.get('/qr/v1', async (request, reply) => {
    const p = await byToken(reply, field(request.query, 'token'));
    if (!p) return reply;
    if (p.flow !== 'QR') return fail(reply, 404, 'Not a QR payment', 'This payment was not created with userFlow QR.');
    const image = await qrImage(`${ctx.publicUrl()}/landing?token=${encodeURIComponent(p.token)}`, p.qrFormat);
    return reply.code(200).type(image.contentType).header('cache-control', 'no-store').send(image.body);
  });

  // ---- the simulated Vipps app ----

  async function renderApp(reply: FastifyReply, status: number, user: TestUser, extra: Partial<AppUserView> = {}) {
    const requests = await inbox.forUser(user.phoneNumber);
    // Express checkout: the shipping methods of each waiting request (e.g. eCom's static ones, or the
    // merchant's shipping-details endpoint, called now: a synchronous call in the user's flow).
    const shipping = new Map<string, ShippingOffer>();
    await Promise.all(
      requests.map(async ({ request: r }) => {
        const provider = inbox.providerOf(r);
        if (!r.shipping || !provider.shippingOptions || visibleState(r, ctx.clock.now()) !== 'CREATED') return;
        const offered = await provider.shippingOptions(r, user);
        shipping.set(r.token, offered.ok ? { options: offered.options } : { error: offered.message });
      }),
    );
    // What the merchants attached to the orders in the history (Order Management: receipt, category link, image).
    const done = requests.filter(({ request: r }) => visibleState(r, ctx.clock.now()) !== 'CREATED');
    const orders = await ctx.orderDetails.forOrders(done.map(({ request: r }) => ({ msn: r.msn, orderId: r.reference })));
    return page(reply, status, appUserPage({ user, requests, merchantName, now: ctx.clock.now(), shipping, orders, ...extra }));
  }

  app.get('/app', async (request, reply) => {
    const typed = field(request.query, 'phone');
    const users = await ctx.users.list();
    if (typed === undefined) return page(reply, 200, appHomePage(users));
    const phone = normalizePhone(typed);
    if (!phone) return page(reply, 400, appHomePage(users, 'Enter a phone number: 8 digits, e.g. 97777776.', typed));
    if (!users.some((u) => u.phoneNumber === phone)) return page(reply, 404, appHomePage(users, `${formatPhone(phone)} is not a Vipps test user.`, typed));
    return reply.redirect(`/app/${phone}`, 303);
  });

  // A Map, not an object: `?notice=__proto__` (or constructor, toString) must find nothing.
  const NOTICES = new Map<string, { kind: 'ok' | 'info'; text: (ref: string) => string }>([
    ['approved', { kind: 'ok', text: (ref) => `Payment ${ref} approved.` }],
    ['rejected', { kind: 'info', text: (ref) => `Payment ${ref} rejected.` }],
    ['logged-in', { kind: 'ok', text: (merchant) => `You are logged in to ${merchant}.` }],
    ['login-refused', { kind: 'info', text: (merchant) => `Login to ${merchant} refused.` }],
  ]);

  app.get<{ Params: { phone: string } }>('/app/:phone', async (request, reply) => {
    const user = await userOf(reply, request.params.phone);
    if (!user) return reply;
    if (user.phoneNumber !== request.params.phone) return reply.redirect(`/app/${user.phoneNumber}`, 301);
    const kind = NOTICES.get(field(request.query, 'notice') ?? '');
    const ref = field(request.query, 'ref') ?? '';
    return renderApp(reply, 200, user, kind ? { notice: { kind: kind.kind, text: kind.text(ref) } } : {});
  });

  app.post<{ Params: { phone: string } }>('/app/:phone/scan', async (request, reply) => {
    const user = await userOf(reply, request.params.phone);
    if (!user) return reply;
    const link = (field(request.body, 'link') ?? '').trim();
    let token: string | undefined;
    try {
      token = new URL(link).searchParams.get('token') ?? undefined;
    } catch {
      token = TOKEN.test(link) ? link : undefined;
    }
    const error = (text: string) => renderApp(reply, 400, user, { notice: { kind: 'error', text }, scanLink: link });
    if (!token || !TOKEN.test(token)) return error('That is not a Vipps payment link: paste the QR code link (…/qr/v1?token=…) or the payment link.');
    // Whichever API the link belongs to: every provider is asked.
    const scanned = await inbox.byToken(token);
    if (!scanned) return error('No payment belongs to that link.');
    const state = visibleState(scanned, ctx.clock.now());
    if (state !== 'CREATED') return error(`This payment can no longer be paid (it is ${state}).`);
    await inbox.send(scanned, user.phoneNumber, 'QR');
    return reply.redirect(`/app/${user.phoneNumber}`, 303);
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post<{ Params: { phone: string; token: string } }>(`/app/:phone/requests/:token/${decision}`, async (request, reply) => {
      const user = await userOf(reply, request.params.phone);
      if (!user) return reply;
      const p = await byToken(reply, request.params.token);
      if (!p) return reply;
      const error = (status: number, text: string) => renderApp(reply, status, user, { notice: { kind: 'error', text }, focus: p.token });
      if ((await inbox.recipient(at(p))) !== user.phoneNumber) {
        return error(404, `Payment ${p.reference} is not in ${formatPhone(user.phoneNumber)}'s app.`);
      }
      if (decision === 'approve' && field(request.body, 'pin') !== TEST_PIN) {
        return error(400, 'Wrong PIN. Try again.');
      }
      const shippingMethodId = field(request.body, 'shippingMethodId');
      const r = await inbox.providerOf(p).decide(p, decision, user, shippingMethodId === undefined ? {} : { shippingMethodId });
      if (!r.ok) return error(r.status, r.message);
      // The browser goes on to the merchant (best effort, as in the real flow), where the answer
      // sends it: a return link may depend on the decision (a Login's app_to_app carries the error).
      return afterDecision(reply, (await inbox.byToken(p.token)) ?? p, user, decision);
    });
  }
  // ---- agreements: the user stops an active one from the app's list ----

  app.post<{ Params: { phone: string; token: string } }>('/app/:phone/requests/:token/stop', async (request, reply) => {
    const user = await userOf(reply, request.params.phone);
    if (!user) return reply;
    const p = await byToken(reply, request.params.token);
    if (!p) return reply;
    const provider = inbox.providerOf(p);
    if (!p.agreement || !provider.stop || (await inbox.recipient(at(p))) !== user.phoneNumber) {
      return renderApp(reply, 404, user, { notice: { kind: 'error', text: `${p.reference} is not an agreement of ${formatPhone(user.phoneNumber)}.` } });
    }
    const r = await provider.stop(p, user);
    return renderApp(reply, r.ok ? 200 : r.status, user, { notice: r.ok ? { kind: 'ok', text: `Agreement ${p.reference} stopped.` } : { kind: 'error', text: r.message } });
  });

  // ---- eCom: the initiate `url` (MT's path), and "remove consent" in the app ----

  app.get('/dwo-api-application/v1/deeplink/vippsgateway', async (request, reply) => {
    const token = field(request.query, 'token');
    if (!token || !TOKEN.test(token)) return fail(reply, 400, 'Invalid payment link', 'The link has no valid token. Use the url exactly as the eCom API returned it.');
    return reply.redirect(`/landing?token=${encodeURIComponent(token)}`, 302);
  });

  app.post<{ Params: { phone: string; token: string } }>('/app/:phone/requests/:token/remove-consent', async (request, reply) => {
    const user = await userOf(reply, request.params.phone);
    if (!user) return reply;
    const p = await byToken(reply, request.params.token);
    if (!p) return reply;
    const provider = inbox.providerOf(p);
    if (!p.consent || p.consent.phoneNumber !== user.phoneNumber || !provider.removeConsent) {
      return renderApp(reply, 404, user, { notice: { kind: 'error', text: `${p.reference} is not an express payment of ${formatPhone(user.phoneNumber)}.` } });
    }
    const r = await provider.removeConsent(p, user);
    return renderApp(reply, r.ok ? 200 : 502, user, { notice: { kind: r.ok ? 'ok' : 'error', text: r.message } });
  });
};
