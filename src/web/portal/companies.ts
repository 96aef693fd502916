import type { Merchant } from '../../platform/merchants.js';
import { html, type Html } from '../html.js';
import { portalLayout, portalNotice, textField } from './layout.js';

/** What the pages need of a company (the portal module's merchant agreement), without its types. */
export interface CompanyView {
  company: { orgNumber: string; name: string; form: string; country: string; address: { street: string; postalCode: string; city: string; country: string } };
  bankAccount: string;
  contact: { name: string; email: string; phoneNumber: string; nin?: string; ninKind?: string };
  products: string[];
  signedBy: { name: string };
  signedAt: string;
  status: string;
}

export interface UnitRow {
  merchant: Merchant;
  record?: { partner?: string; skipLandingPage: boolean; recurring: boolean; directCapture: boolean; createdAt: string };
}

type User = { name: string };

const account = (d: string) => `${d.slice(0, 4)}.${d.slice(4, 6)}.${d.slice(6)}`;
const orgNo = (d: string) => `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`;

function unitTable(units: UnitRow[]): Html {
  if (units.length === 0) return html`<p>No sales units.</p>`;
  return html`<table><thead><tr><th scope="col">Sales unit</th><th scope="col">MSN</th><th scope="col">Options</th></tr></thead><tbody>
${units.map((u) => html`<tr><td><a href="/portal/sales-units/${u.merchant.msn}">${u.merchant.name}</a></td><td><code>${u.merchant.msn}</code></td><td>${options(u)}</td></tr>`)}
</tbody></table>`;
}

function options(u: UnitRow): string {
  const o = [u.merchant.allowSkipLandingPage ? 'skip landing page' : ''];
  if (u.record) o.push(u.record.recurring ? 'Recurring' : '', u.record.directCapture ? 'direct capture' : '');
  return o.filter(Boolean).join(', ') || '—';
}

export function homePage(user: User, companies: Array<{ agreement: CompanyView; units: UnitRow[] }>, unlinked: UnitRow[], notice?: string): Html {
  return portalLayout('Companies', html`<h1>Companies and sales units</h1>
${portalNotice('ok', notice)}
<p><a class="button" href="/portal/companies/new" data-testid="new-company">Add a company</a></p>
${companies.length === 0 ? html`<div class="card"><p>You have not signed a merchant agreement yet. <a href="/portal/companies/new">Add a company</a> to get a test sales unit and its API keys.</p></div>` : ''}
${companies.map(({ agreement: a, units }) => html`<section class="card" aria-labelledby="co-${a.company.orgNumber}">
<h2 id="co-${a.company.orgNumber}"><a href="/portal/companies/${a.company.orgNumber}">${a.company.name}</a></h2>
<p>Org. no. ${orgNo(a.company.orgNumber)} · <span class="tag ok">Agreement approved</span> ${a.company.country !== 'NO' ? html`<span class="tag foreign">Foreign company (${a.company.country})</span>` : ''}</p>
${unitTable(units)}
</section>`)}
<h2>Sales units made outside the portal</h2>
<p class="hint">The emulator's seeded merchant and those made with <code>POST /devkit/v1/merchants</code> belong to no company: every test person sees them.</p>
${unitTable(unlinked)}`, { section: 'home', user });
}

export interface CompanyFormState {
  orgNumber?: string;
  /** The register's entry, once looked up. */
  company?: CompanyView['company'];
  foreign?: boolean;
  values?: Record<string, string | string[]>;
  problems?: Record<string, string | undefined>;
  examples: Array<{ orgNumber: string; name: string; country: string }>;
  products: ReadonlyArray<{ id: string; name: string }>;
}

/** Step 1 looks the company up in the (test) register; step 2 is the agreement for that company. */
export function newCompanyPage(user: User, s: CompanyFormState): Html {
  const p = s.problems ?? {};
  const v = (k: string) => {
    const x = s.values?.[k];
    return typeof x === 'string' ? x : '';
  };
  const errors = Object.values(p).filter(Boolean);
  const lookup = html`<form method="get" action="/portal/companies/new" class="card">
${textField({ name: 'orgNumber', label: 'Organisation number', value: s.orgNumber, inputmode: 'numeric', hint: '9 digits, checked with mod 11. The company is looked up in the (test) Brønnøysund register.', error: s.company ? undefined : p.orgNumber, required: true })}
<button type="submit" data-testid="look-up">Look up</button>
</form>
<details class="card"><summary>Test companies in the register</summary>
<ul>${s.examples.map((e) => html`<li><a href="/portal/companies/new?orgNumber=${e.orgNumber}">${e.name}</a> (${e.orgNumber}${e.country !== 'NO' ? `, foreign: ${e.country}` : ''})</li>`)}</ul>
<p class="hint">Every other valid organisation number is in the test register too, about one in five as a foreign company (NUF).</p>
</details>
<p><a href="/portal/companies/no-org-number">The company has no Norwegian organisation number</a></p>`;
  if (!s.company) return portalLayout('Add a company', html`<h1>Add a company</h1>${lookup}`, { section: 'home', user });

  const c = s.company;
  const checked = (id: string) => (Array.isArray(s.values?.products) ? s.values!.products.includes(id) : v('products') === id);
  return portalLayout('Merchant agreement', html`<h1>Merchant agreement for ${c.name}</h1>
${errors.length ? html`<div class="notice error" role="alert" data-testid="refused"><strong>The application is not complete.</strong><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<section class="card" aria-labelledby="register-h"><h2 id="register-h">From the Brønnøysund register (test)</h2>
<dl class="facts"><dt>Name</dt><dd>${c.name}</dd><dt>Organisation number</dt><dd>${orgNo(c.orgNumber)}</dd><dt>Organisation form</dt><dd>${c.form}${c.form === 'NUF' ? ' (Norwegian registration of a foreign company)' : ''}</dd><dt>Country</dt><dd>${c.country}</dd><dt>Address</dt><dd>${c.address.street}, ${c.address.postalCode} ${c.address.city}, ${c.address.country}</dd></dl>
<p><a href="/portal/companies/new">Another company</a></p></section>
${s.foreign ? html`<div class="notice info" data-testid="foreign-requirements"><strong>Requirements for foreign companies.</strong> A company registered abroad needs a Norwegian organisation number (it has one: ${orgNo(c.orgNumber)}), a Norwegian bank account, and an appointed contact person in Norway with a Norwegian mobile number and a Norwegian identity number (fødselsnummer or D-number). The agreement is signed with Norwegian BankID.</div>` : ''}
<form method="post" action="/portal/companies" class="card" novalidate>
<input type="hidden" name="orgNumber" value="${c.orgNumber}">
<fieldset><legend>Settlement account</legend>
${textField({ name: 'bankAccount', label: s.foreign ? 'Norwegian bank account number' : 'Bank account number', value: v('bankAccount'), inputmode: 'numeric', hint: '11 digits, e.g. 1503.12.34562; the last digit is a mod-11 check digit.', error: p.bankAccount, required: true })}
</fieldset>
<fieldset><legend>${s.foreign ? 'Contact person in Norway' : 'Contact person'}</legend>
${textField({ name: 'contactName', label: 'Name', value: v('contactName'), autocomplete: 'name', error: p.contactName, required: true })}
${textField({ name: 'contactEmail', label: 'Email', type: 'email', value: v('contactEmail'), autocomplete: 'email', error: p.contactEmail, required: true })}
${textField({ name: 'contactPhone', label: s.foreign ? 'Norwegian mobile number' : 'Mobile number', type: 'tel', value: v('contactPhone'), autocomplete: 'tel', hint: s.foreign ? '8 digits, starting with 4 or 9.' : '8 digits for a Norwegian number, or + and the country code.', error: p.contactPhone, required: true })}
${textField({ name: 'contactNin', label: 'Fødselsnummer or D-number', value: v('contactNin'), inputmode: 'numeric', autocomplete: 'off', hint: s.foreign ? 'Required for foreign companies: 11 digits; a D-number is given to foreigners working in Norway.' : '11 digits.', error: p.contactNin, required: !!s.foreign })}
</fieldset>
<fieldset${p.products ? html` aria-describedby="products-error"` : ''}><legend>Products to order</legend>
${s.products.map((pr) => html`<label class="check"><input type="checkbox" name="products" value="${pr.id}"${checked(pr.id) ? html` checked` : ''}> ${pr.name}</label>`)}
${p.products ? html`<p class="field-error" id="products-error" data-testid="error-products">${p.products}</p>` : ''}
</fieldset>
<p class="hint">Signing as ${user.name} with BankID (simulated). Customer control takes a few days at Vipps; the emulator approves at once and makes a test sales unit.</p>
<button type="submit" data-testid="sign-agreement">Sign the agreement</button>
</form>`, { section: 'home', user });
}

export function noOrgNumberPage(user: User): Html {
  return portalLayout('No Norwegian organisation number', html`<h1>No Norwegian organisation number</h1>
<div class="card">
<p>Vipps needs a Norwegian organisation number, a Norwegian bank account and a contact person with a Norwegian identity number, and the agreement is signed with Norwegian BankID. A foreign company registers in the Brønnøysund register (as a NUF) to get the number.</p>
<p>A business that is not yet formally established can ask Vipps customer service (or its partner manager) to send the agreement for digital signing with, for example, Danish NemID or Swedish BankID. Otherwise it can take Vipps payments through a payment service provider (PSP), which then handles the customer control.</p>
<p>The emulator cannot do either: <a href="/portal/companies/new">look up a company</a> with an organisation number instead.</p>
</div>`, { section: 'home', user });
}

export function companyPage(user: User, a: CompanyView, units: UnitRow[], form: { problems?: Record<string, string | undefined>; values?: Record<string, string>; notice?: string } = {}): Html {
  const c = a.company;
  const p = form.problems ?? {};
  return portalLayout(c.name, html`<h1>${c.name}</h1>
${portalNotice('ok', form.notice)}
<section class="card" aria-labelledby="agreement-h"><h2 id="agreement-h">Merchant agreement</h2>
<dl class="facts">
<dt>Organisation number</dt><dd>${orgNo(c.orgNumber)} (${c.form}, ${c.country})</dd>
<dt>Status</dt><dd><span class="tag ok">Approved</span></dd>
<dt>Bank account</dt><dd>${account(a.bankAccount)}</dd>
<dt>Contact person</dt><dd>${a.contact.name}, ${a.contact.email}, +${a.contact.phoneNumber}${a.contact.ninKind ? `, ${a.contact.ninKind} ${a.contact.nin!.slice(0, 6)} *****` : ''}</dd>
<dt>Products</dt><dd>${a.products.join(', ')}</dd>
<dt>Signed</dt><dd>by ${a.signedBy.name} with BankID, ${a.signedAt.slice(0, 10)}</dd>
</dl></section>
<h2>Test sales units</h2>
${unitTable(units)}
<form method="post" action="/portal/companies/${c.orgNumber}/sales-units" class="card" novalidate>
<h3>Add a test sales unit</h3>
<p class="hint">Test sales units cannot be changed once made: make a new one for other options.</p>
${textField({ name: 'name', label: 'Name', value: form.values?.name, error: p.name, required: true })}
${textField({ name: 'partner', label: 'Partner', value: form.values?.partner, error: p.partner })}
<label class="check"><input type="checkbox" name="skipLandingPage" value="on"> Skip landing page</label>
<label class="check"><input type="checkbox" name="recurring" value="on"> Recurring API</label>
<label class="check"><input type="checkbox" name="directCapture" value="on"> Direct capture</label>
<button type="submit" data-testid="add-sales-unit">Add test sales unit</button>
</form>`, { section: 'home', user });
}
