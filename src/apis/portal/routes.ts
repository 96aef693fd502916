import { createHash } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RegeneratedKey } from '../../platform/merchants.js';
import { acceptHtmlForms, htmlPageHeaders } from '../../platform/page-hooks.js';
import type { TestUser } from '../../platform/test-users.js';
import { buttonsPage } from '../../web/buttons/page.js';
import { vippsButtonsScript } from '../../web/buttons/script.js';
import { normalizePhone } from '../../web/format.js';
import type { Html } from '../../web/html.js';
import { companyPage, homePage, newCompanyPage, noOrgNumberPage } from '../../web/portal/companies.js';
import { portalErrorPage as errorPage } from '../../web/portal/layout.js';
import { salesUnitPage } from '../../web/portal/sales-unit.js';
import { settlementsPage } from '../../web/portal/settlements.js';
import { bankIdPage, signInPage } from '../../web/portal/sign-in.js';
import type { Platform } from '../module.js';
import { TEST_COMPANIES, lookUpCompany } from './company-register.js';
import { PRODUCTS, isForeign, parseRedirectUris } from './domain.js';
import type { PortalService } from './service.js';

const COOKIE = 'devkit_portal';
const KEYS: readonly RegeneratedKey[] = ['clientSecret', 'primarySubscriptionKey', 'secondarySubscriptionKey'];
const KEY_NAMES: Record<RegeneratedKey, string> = { clientSecret: 'client secret', primarySubscriptionKey: 'primary subscription key', secondarySubscriptionKey: 'secondary subscription key' };
const WORDS = ['blue', 'river', 'mountain', 'coffee', 'winter', 'harbour', 'forest', 'summer', 'bridge', 'island', 'cloud', 'meadow'];

/** A form or query field when it is one string (own properties only). */
function field(source: unknown, name: string): string {
  const v = source && typeof source === 'object' && Object.hasOwn(source, name) ? (source as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v : '';
}
/** A field that may repeat (checkboxes), as a list. */
function list(source: unknown, name: string): string[] {
  const v = source && typeof source === 'object' && Object.hasOwn(source, name) ? (source as Record<string, unknown>)[name] : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

const fullName = (u: TestUser) => ({ name: `${u.givenName} ${u.familyName}` });

/**
 * The merchant portal in the browser, server-rendered: sign-in with simulated BankID, merchant
 * agreements, test sales units and their keys, Login and webhook settings (through
 * `platform.salesUnits`), settlements, and the Vipps buttons. Every state change is a form POST
 * answered with a redirect; the pages take no script but the buttons' own.
 */
export const portalRoutes = (platform: Platform, portal: PortalService): FastifyPluginAsync => async (app) => {
  // Pages for people, not an API: left out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  acceptHtmlForms(app, 16 * 1024, { lists: true });
  htmlPageHeaders(app, "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");

  const page = (reply: FastifyReply, status: number, body: Html) => reply.code(status).type('text/html; charset=utf-8').send(body.value);
  const see = (reply: FastifyReply, to: string) => reply.code(303).header('location', to).send();
  const tokenOf = (request: FastifyRequest) => {
    const header = request.headers.cookie;
    return header ? parseCookie(header)[COOKIE] : undefined;
  };
  const setCookie = (reply: FastifyReply, value: string, maxAge: number) =>
    reply.header('set-cookie', stringifySetCookie({ name: COOKIE, value, path: '/portal', httpOnly: true, sameSite: 'lax', maxAge }));

  /** The signed-in person, or a redirect to the sign-in page already sent. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<TestUser | undefined> {
    const s = await portal.session(tokenOf(request));
    if (s?.confirmed) return s.user;
    see(reply, s ? '/portal/login/bankid' : '/portal');
    return undefined;
  }

  // ---- signing in ----

  app.get('/portal', async (request, reply) => {
    const s = await portal.session(tokenOf(request));
    if (!s?.confirmed) return page(reply, 200, signInPage(await platform.users.list()));
    const user = s.user;
    const { mine, unlinked } = await portal.salesUnits(user);
    const companies = (await portal.companies(user)).map((agreement) => ({ agreement, units: mine.get(agreement.company.orgNumber) ?? [] }));
    return page(reply, 200, homePage(fullName(user), companies, unlinked, noticeOf(request)));
  });

  app.post('/portal/login', async (request, reply) => {
    const users = await platform.users.list();
    const nin = field(request.body, 'nin').replace(/\s/g, '');
    const phone = normalizePhone(field(request.body, 'phoneNumber'));
    const user = nin ? users.find((u) => u.nin === nin) : phone ? users.find((u) => u.phoneNumber === phone) : undefined;
    if (!user) return page(reply, 400, signInPage(users, { error: nin ? 'No test user has that fødselsnummer. Choose a test person above, or make one with POST /devkit/v1/users.' : 'Choose a test person, or type a fødselsnummer.', nin }));
    setCookie(reply, await portal.startSignIn(user), 8 * 3600);
    return see(reply, '/portal/login/bankid');
  });

  app.get('/portal/login/bankid', async (request, reply) => {
    const token = tokenOf(request);
    const s = await portal.session(token);
    if (!s || s.confirmed) return see(reply, '/portal');
    const h = createHash('sha256').update(token!).digest();
    return page(reply, 200, bankIdPage(s.user, `${WORDS[h[0]! % WORDS.length]} ${WORDS[h[1]! % WORDS.length]}`));
  });

  app.post('/portal/login/bankid', async (request, reply) => {
    const token = tokenOf(request);
    const s = await portal.session(token);
    if (!s) return see(reply, '/portal');
    if (field(request.body, 'decision') === 'confirm') await portal.confirmSignIn(token!);
    else {
      await portal.signOut(token!);
      setCookie(reply, '', 0);
    }
    return see(reply, '/portal');
  });

  app.post('/portal/logout', async (request, reply) => {
    const token = tokenOf(request);
    if (token) await portal.signOut(token);
    setCookie(reply, '', 0);
    return see(reply, '/portal');
  });

  // ---- companies ----

  const formState = { examples: TEST_COMPANIES.map((c) => ({ orgNumber: c.orgNumber, name: c.name, country: c.country })), products: PRODUCTS };

  app.get('/portal/companies/new', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const orgNumber = field(request.query, 'orgNumber').trim();
    if (!orgNumber) return page(reply, 200, newCompanyPage(fullName(user), formState));
    const looked = lookUpCompany(orgNumber);
    if ('problem' in looked) return page(reply, 400, newCompanyPage(fullName(user), { ...formState, orgNumber, problems: { orgNumber: looked.problem } }));
    return page(reply, 200, newCompanyPage(fullName(user), { ...formState, orgNumber, company: looked.found, foreign: isForeign(looked.found), values: { products: ['epayment'] } }));
  });

  app.get('/portal/companies/no-org-number', async (request, reply) => {
    const user = await signedIn(request, reply);
    return user ? page(reply, 200, noOrgNumberPage(fullName(user))) : reply;
  });

  app.post('/portal/companies', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const b = request.body;
    const orgNumber = field(b, 'orgNumber');
    const input = { bankAccount: field(b, 'bankAccount'), contactName: field(b, 'contactName'), contactEmail: field(b, 'contactEmail'), contactPhone: field(b, 'contactPhone'), contactNin: field(b, 'contactNin'), products: list(b, 'products') };
    const result = await portal.apply(user, orgNumber, input);
    if (result.ok) return see(reply, `/portal/companies/${result.agreement.company.orgNumber}?notice=agreement`);
    const looked = lookUpCompany(orgNumber);
    const company = 'found' in looked ? looked.found : undefined;
    return page(reply, 400, newCompanyPage(fullName(user), { ...formState, orgNumber, ...(company ? { company, foreign: isForeign(company) } : {}), values: input, problems: result.problems }));
  });

  app.get('/portal/companies/:orgNumber', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const { orgNumber } = request.params as { orgNumber: string };
    const agreement = await portal.company(user, orgNumber);
    if (!agreement) return page(reply, 404, errorPage(fullName(user), 'Company not found', `You have no merchant agreement for the organisation number ${orgNumber}.`));
    const { mine } = await portal.salesUnits(user);
    return page(reply, 200, companyPage(fullName(user), agreement, mine.get(orgNumber) ?? [], { notice: noticeOf(request) }));
  });

  app.post('/portal/companies/:orgNumber/sales-units', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const { orgNumber } = request.params as { orgNumber: string };
    const b = request.body;
    const input = { name: field(b, 'name'), partner: field(b, 'partner'), skipLandingPage: field(b, 'skipLandingPage') === 'on', recurring: field(b, 'recurring') === 'on', directCapture: field(b, 'directCapture') === 'on' };
    const result = await portal.addSalesUnit(user, orgNumber, input);
    if (result.ok) return see(reply, `/portal/sales-units/${result.msn}?notice=unit`);
    const agreement = await portal.company(user, orgNumber);
    if (!agreement) return page(reply, 404, errorPage(fullName(user), 'Company not found', `You have no merchant agreement for the organisation number ${orgNumber}.`));
    const { mine } = await portal.salesUnits(user);
    return page(reply, 400, companyPage(fullName(user), agreement, mine.get(orgNumber) ?? [], { problems: result.problems, values: { name: input.name, partner: input.partner } }));
  });

  // ---- sales units ----

  async function unitPage(request: FastifyRequest, reply: FastifyReply, user: TestUser, msn: string, extra: { status?: number; showKeys?: boolean; login?: { problems: string[]; typed: string }; webhooks?: { problems?: string[]; newSecret?: { id: string; secret: string }; typedUrl?: string } } = {}) {
    const unit = await portal.salesUnit(user, msn);
    if (!unit) return page(reply, 404, errorPage(fullName(user), 'Sales unit not found', `No sales unit with the MSN ${msn} is yours to see.`));
    const { capture, login, webhooks } = platform.salesUnits;
    const company = unit.record ? await portal.company(user, unit.record.orgNumber) : undefined;
    return page(reply, extra.status ?? 200, salesUnitPage(fullName(user), {
      merchant: unit.merchant,
      ...(company ? { company: { orgNumber: company.company.orgNumber, name: company.company.name } } : {}),
      ...(unit.record ? { record: unit.record } : {}),
      ...(capture ? { directCapture: await capture.directCapture(msn) } : {}),
      showKeys: extra.showKeys ?? field(request.query, 'keys') === 'show',
      notice: noticeOf(request),
      ...(login ? { login: { settings: await login.get(msn), methods: login.tokenEndpointAuthMethods, ...(extra.login ?? {}) } } : {}),
      ...(webhooks ? { webhooks: { list: await webhooks.list(msn), eventTypes: webhooks.eventTypes(), ...(extra.webhooks ?? {}) } } : {}),
      publicUrl: platform.publicUrl(),
    }));
  }

  app.get('/portal/sales-units/:msn', async (request, reply) => {
    const user = await signedIn(request, reply);
    return user ? unitPage(request, reply, user, (request.params as { msn: string }).msn) : reply;
  });

  app.post('/portal/sales-units/:msn/keys/regenerate', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const { msn } = request.params as { msn: string };
    const key = field(request.body, 'key') as RegeneratedKey;
    if (!KEYS.includes(key)) return page(reply, 400, errorPage(fullName(user), 'Unknown key', 'Choose the client secret, the primary or the secondary subscription key.'));
    if (!(await portal.regenerate(user, msn, key))) return page(reply, 404, errorPage(fullName(user), 'Sales unit not found', `No sales unit with the MSN ${msn} is yours to see.`));
    return see(reply, `/portal/sales-units/${msn}?keys=show&notice=${key}`);
  });

  app.post('/portal/sales-units/:msn/login', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const { msn } = request.params as { msn: string };
    const login = platform.salesUnits.login;
    if (!login || !(await portal.salesUnit(user, msn))) return unitPage(request, reply, user, msn, { status: 404 });
    const typed = field(request.body, 'redirectUris');
    const saved = await login.save(msn, { redirectUris: parseRedirectUris(typed), tokenEndpointAuthMethod: field(request.body, 'tokenEndpointAuthMethod') });
    if (!saved.ok) return unitPage(request, reply, user, msn, { status: 400, login: { problems: saved.problems, typed } });
    return see(reply, `/portal/sales-units/${msn}?notice=login`);
  });

  app.post('/portal/sales-units/:msn/webhooks', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const { msn } = request.params as { msn: string };
    const webhooks = platform.salesUnits.webhooks;
    if (!webhooks || !(await portal.salesUnit(user, msn))) return unitPage(request, reply, user, msn, { status: 404 });
    const url = field(request.body, 'url').trim();
    const done = await webhooks.register(msn, url, list(request.body, 'events'));
    // The secret is shown once, on this answer, as the API returns it once: no redirect.
    if (done.ok) return unitPage(request, reply, user, msn, { status: 201, webhooks: { newSecret: done.value } });
    return unitPage(request, reply, user, msn, { status: 400, webhooks: { problems: done.problems, typedUrl: url } });
  });

  app.post('/portal/sales-units/:msn/webhooks/:id/delete', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const { msn, id } = request.params as { msn: string; id: string };
    const webhooks = platform.salesUnits.webhooks;
    if (!webhooks || !(await portal.salesUnit(user, msn))) return unitPage(request, reply, user, msn, { status: 404 });
    await webhooks.remove(msn, id);
    return see(reply, `/portal/sales-units/${msn}?notice=webhook-deleted`);
  });

  // ---- settlements ----

  app.get('/portal/settlements', async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const provider = platform.salesUnits.settlements;
    if (!provider) return page(reply, 200, settlementsPage(fullName(user), undefined));
    const { mine, unlinked } = await portal.salesUnits(user);
    const units = [...[...mine.values()].flat(), ...unlinked];
    const withFiles = await Promise.all(units.map(async (u) => ({ msn: u.merchant.msn, name: u.merchant.name, files: await provider.list(u.merchant.msn) })));
    return page(reply, 200, settlementsPage(fullName(user), withFiles));
  });

  // ---- buttons ----

  app.get('/portal/buttons', async (request, reply) => {
    const s = await portal.session(tokenOf(request));
    return page(reply, 200, buttonsPage(s?.confirmed ? fullName(s.user) : undefined));
  });

  app.get('/portal/vipps-buttons.js', async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(vippsButtonsScript()),
  );
};

const NOTICES: Record<string, string> = {
  agreement: 'The merchant agreement is signed and approved, and a test sales unit is ready: open it for its MSN and API keys.',
  unit: 'The test sales unit is ready.',
  login: 'Login settings saved.',
  'webhook-deleted': 'The webhook is deleted.',
  ...Object.fromEntries(KEYS.map((k) => [k, `A new ${KEY_NAMES[k]} is made. The old one no longer works: update your integrations.`])),
};

function noticeOf(request: FastifyRequest): string | undefined {
  const n = field(request.query, 'notice');
  return Object.hasOwn(NOTICES, n) ? NOTICES[n] : undefined;
}
