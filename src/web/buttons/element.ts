/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ButtonCatalogue } from './catalogue.js';

/**
 * Defines the custom elements `<vipps-button>`, `<vipps-mark>` and `<vipps-badge>` in a browser
 * window. Self-contained on purpose: the emulator serves this very function as a script
 * (`(defineVippsButtonElements)(window, catalogue)`, script.ts), so it may use nothing from its
 * module but its arguments. Everything drawn is SVG made here; attributes outside the catalogue
 * fall back to the defaults, so no attribute value reaches the markup unchecked.
 *
 * Styles go in through adoptedStyleSheets, which a page's Content-Security-Policy does not block
 * (a `<style>` element is the fallback). Under `prefers-contrast: more` the orange button turns
 * black: the guidelines' WCAG AAA exception, which covers colour only.
 */
export function defineVippsButtonElements(win: any, cat: ButtonCatalogue): void {
  if (!win || !win.customElements) return;
  const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
  const pick = (value: string | null, allowed: readonly string[], fallback: string) => (value !== null && allowed.includes(value) ? value : fallback);
  const FONT = 'system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif';
  const CSS = [
    ':host{display:inline-block;line-height:0;vertical-align:middle}',
    'button,a{all:unset;display:inline-block;cursor:pointer;line-height:0}',
    'button:focus-visible,a:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}',
    'svg{display:block}',
    '@media (prefers-contrast: more){.orange .bg{fill:#000000}}',
  ].join('');

  function styled(root: any): void {
    try {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = win.document.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
  }

  /** Text of `words` then the brand in bold, centred in a w × h box. */
  function label(w: number, h: number, words: string, size: number, fill: string): string {
    return `<text x="${w / 2}" y="${h / 2}" dominant-baseline="central" text-anchor="middle" font-family="${FONT}" font-size="${size}" fill="${fill}">${esc(words)} <tspan font-weight="800">${esc(cat.brand)}</tspan></text>`;
  }

  /** What the three elements share: a styled shadow root, drawn again when an attribute changes. */
  abstract class DrawnElement extends (win.HTMLElement as any) {
    constructor() {
      super();
      styled(this.attachShadow({ mode: 'open' }));
    }
    connectedCallback() {
      this.render();
    }
    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }
    abstract render(): void;
  }

  class VippsButton extends DrawnElement {
    static get observedAttributes() {
      return ['verb', 'language', 'shape', 'size', 'variant', 'href'];
    }
    render() {
      const verb = pick(this.getAttribute('verb'), Object.keys(cat.verbs), 'pay') as keyof ButtonCatalogue['verbs'];
      const language = pick(this.getAttribute('language'), cat.languages, 'no') as 'no' | 'en';
      const shape = pick(this.getAttribute('shape'), cat.shapes, 'rect');
      let sizeName = pick(this.getAttribute('size'), Object.keys(cat.sizes), 'medium') as keyof ButtonCatalogue['sizes'];
      // The small size exists for "Pay with" only.
      if (!(cat.sizes[sizeName].verbs as readonly string[]).includes(verb)) sizeName = 'medium';
      const variant = pick(this.getAttribute('variant'), Object.keys(cat.variants), 'orange') as keyof ButtonCatalogue['variants'];
      const size = cat.sizes[sizeName];
      const colours = cat.variants[variant];
      const radius = shape === 'pill' ? size.height / 2 : size.radius;
      const words = cat.verbs[verb][language];
      const name = `${words} ${cat.brand}`;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" aria-hidden="true" focusable="false"><rect class="bg" width="${size.width}" height="${size.height}" rx="${radius}" fill="${colours.background}"/>${label(size.width, size.height, words, size.fontSize, colours.text)}</svg>`;
      const href = this.getAttribute('href');
      const safeHref = href !== null && /^(https?:\/\/|\/(?!\/)|\.{0,2}\/|#|\?)/i.test(href) ? href : null;
      this.shadowRoot.innerHTML = safeHref !== null
        ? `<a class="${variant}" part="button" href="${esc(safeHref)}" lang="${language}" aria-label="${esc(name)}">${svg}</a>`
        : `<button class="${variant}" part="button" type="button" lang="${language}" aria-label="${esc(name)}">${svg}</button>`;
    }
  }

  class VippsMark extends DrawnElement {
    static get observedAttributes() {
      return ['type'];
    }
    render() {
      const type = pick(this.getAttribute('type'), ['mark', 'logo'], 'mark');
      let body: string;
      let w: number;
      let h: number;
      if (type === 'logo') {
        ({ width: w, height: h } = cat.logo);
        body = `<text x="0" y="${h / 2}" dominant-baseline="central" font-family="${FONT}" font-size="15" font-weight="800" fill="${cat.logo.colour}" textLength="${w}" lengthAdjust="spacingAndGlyphs">${esc(cat.brand)}</text>`;
      } else {
        ({ width: w, height: h } = cat.mark);
        body = `<rect width="${w}" height="${h}" rx="${cat.mark.radius}" fill="${cat.mark.background}"/><text x="${w / 2}" y="${h / 2}" dominant-baseline="central" text-anchor="middle" font-family="${FONT}" font-size="12" font-weight="800" fill="${cat.mark.text}">${esc(cat.brand)}</text>`;
      }
      this.shadowRoot.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(cat.brand)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`;
    }
  }

  class VippsBadge extends DrawnElement {
    static get observedAttributes() {
      return ['variant', 'language', 'vipps-senere', 'amount'];
    }
    render() {
      const variant = pick(this.getAttribute('variant'), Object.keys(cat.badges), 'white') as keyof ButtonCatalogue['badges'];
      const language = pick(this.getAttribute('language'), cat.languages, 'no') as 'no' | 'en';
      const later = this.hasAttribute('vipps-senere');
      const raw = this.getAttribute('amount');
      const amount = raw !== null && /^\d{1,12}$/.test(raw) ? Number(raw) : undefined;
      const c = cat.badges[variant];
      let words: string = cat.badgeTexts[later ? 'later' : 'now'][language];
      if (amount !== undefined) {
        const kr = (amount / 100).toFixed(2).replace('.', language === 'no' ? ',' : '.').replace(/\B(?=(\d{3})+(?!\d))/g, language === 'no' ? '\u00a0' : ',');
        words = language === 'no' ? `${words.replace('Betal', `Betal ${kr} kr`)}` : `${words.replace('Pay', `Pay NOK ${kr}`)}`;
      }
      const h = 28;
      const w = Math.round((words.length + cat.brand.length + 1) * 7.4 + 28);
      const name = `${words} ${cat.brand}`;
      this.shadowRoot.innerHTML = `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(name)}" lang="${language}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><rect x="0.5" y="0.5" width="${w - 1}" height="${h - 1}" rx="${(h - 1) / 2}" fill="${c.background}" stroke="${variant === 'white' ? '#8A817C' : c.background}"/><text x="${w / 2}" y="${h / 2}" dominant-baseline="central" text-anchor="middle" font-family="${FONT}" font-size="13" fill="${c.text}">${esc(words)} <tspan font-weight="800" fill="${c.accent}">${esc(cat.brand)}</tspan></text></svg>`;
    }
  }

  for (const [name, element] of [['vipps-button', VippsButton], ['vipps-mark', VippsMark], ['vipps-badge', VippsBadge]] as const) {
    if (!win.customElements.get(name)) win.customElements.define(name, element);
  }
}
