import { html, type Html } from '../html.js';
import { portalLayout } from '../portal/layout.js';
import { BUTTON_CATALOGUE as CAT } from './catalogue.js';

const CSS = `
.variants{display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:12px}
.variant{background:#fff;border:1px solid #e4ddd8;border-radius:8px;padding:12px;display:flex;flex-direction:column;gap:8px;align-items:flex-start}
.variant.dark{background:#1f1f1f;color:#f5f5f5;border-color:#1f1f1f}
.variant.dark code{background:#3a3a3a;color:#f5f5f5}
.variant code{font-size:12px}
.row{display:flex;flex-wrap:wrap;gap:12px;align-items:center}
`;

const tag = (name: string, attrs: Record<string, string | true>) => `<${name}${Object.entries(attrs).map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${v}"`)).join('')}></${name}>`;

function variantCard(name: string, attrs: Record<string, string | true>, fallback: string, dark = false): Html {
  const code = tag(name, attrs);
  const attributes = Object.entries(attrs).map(([k, v]) => (v === true ? html` ${k}` : html` ${k}="${v}"`));
  return html`<div class="variant${dark ? ' dark' : ''}">${html`<${name}${attributes}>${fallback}</${name}>`}<code>${code}</code></div>`;
}

/** Every documented variant, drawn by the web component the page loads from the emulator. */
export function buttonsPage(user: { name: string } | undefined): Html {
  const buttons: Html[] = [];
  for (const verb of Object.keys(CAT.verbs) as Array<keyof typeof CAT.verbs>) {
    for (const language of CAT.languages) {
      for (const shape of CAT.shapes) {
        for (const size of Object.keys(CAT.sizes) as Array<keyof typeof CAT.sizes>) {
          if (!(CAT.sizes[size].verbs as readonly string[]).includes(verb)) continue;
          for (const variant of Object.keys(CAT.variants) as Array<keyof typeof CAT.variants>) {
            buttons.push(variantCard('vipps-button', { verb, language, shape, size, variant }, `${CAT.verbs[verb][language]} Vipps`, variant === 'white'));
          }
        }
      }
    }
  }
  const badges: Html[] = [];
  for (const variant of Object.keys(CAT.badges)) {
    for (const language of CAT.languages) {
      badges.push(variantCard('vipps-badge', { variant, language }, 'Vipps'));
      badges.push(variantCard('vipps-badge', { variant, language, 'vipps-senere': true }, 'Vipps'));
    }
  }
  badges.push(variantCard('vipps-badge', { variant: 'white', language: 'no', amount: '49900' }, 'Vipps'));
  return portalLayout('Vipps buttons', html`<h1>Vipps buttons, marks and badges</h1>
<p>The button and badge variants of Vipps' design guidelines, drawn by the Devkit's own web component (not Vipps' artwork). Load it on your own page:</p>
<pre tabindex="0">&lt;script src="/portal/vipps-buttons.js"&gt;&lt;/script&gt;
&lt;vipps-button verb="pay" language="no" shape="pill" size="large"&gt;&lt;/vipps-button&gt;</pre>
<p>Or from the package: <code>import { defineVippsButtons } from 'vipps-devkit/buttons'; defineVippsButtons();</code></p>
<h2>The guidelines in short</h2>
<ul>
<li>Only the approved verbs: Pay, Log in, Register, Continue with Vipps (Betal, Logg inn, Registrer, Fortsett med Vipps).</li>
<li>One shape, rectangular or pill, throughout the site; the Vipps button at least as large as any button next to it.</li>
<li>White text on Vipps orange #FF5B24; black or white only where the site must meet WCAG AAA (<code>prefers-contrast: more</code> turns the orange button black).</li>
<li>No hover effects, no stroke, no own font, colour, radius or padding.</li>
</ul>
<h2>Marks and logo</h2>
<div class="row">${variantCard('vipps-mark', { type: 'mark' }, 'Vipps')}${variantCard('vipps-mark', { type: 'logo' }, 'Vipps')}</div>
<h2>On-site messaging badges</h2>
<div class="variants">${badges}</div>
<h2>Every button (${buttons.length})</h2>
<p class="hint">Verb × language × shape × size × colour. The small size (140 × 40) exists for "Pay with" only; medium is the 2023 toolkit's 214 × 43.</p>
<div class="variants" data-testid="button-variants">${buttons}</div>`, { section: 'buttons', css: CSS, scripts: ['/portal/vipps-buttons.js'], ...(user ? { user } : {}) });
}
