import { html, trusted, type Html } from '../html.js';

/**
 * The merchant portal's frame: a page for a laptop that also works on a phone. Colours are picked
 * for WCAG AA contrast (white on #b53a0d for actions; Vipps orange only as a stripe), so that
 * axe-core finds no serious violations (test/e2e/portal.e2e.test.ts).
 */
const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f5f2f0;color:#1f1f1f;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
a{color:#9c310b}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:2}
header.top{background:#fff;border-bottom:4px solid #ff5b24;padding:10px 20px;display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px}
header.top .brand{font-weight:800;font-size:20px;color:#1f1f1f;text-decoration:none}
header.top .brand span{color:#9c310b}
header.top nav{display:flex;flex-wrap:wrap;gap:4px 16px;flex:1}
header.top nav a{text-decoration:none;font-weight:600;padding:4px 0}
header.top nav a[aria-current=page]{border-bottom:3px solid #9c310b}
header.top form{margin:0}
header.top .who{font-size:14px;color:#444}
main{max-width:1040px;margin:0 auto;padding:20px}
h1{font-size:26px;margin:6px 0 14px}
h2{font-size:20px;margin:26px 0 10px}
h3{font-size:17px;margin:18px 0 6px}
.card{background:#fff;border:1px solid #e4ddd8;border-radius:10px;padding:16px 18px;margin:0 0 14px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px}
label{display:block;font-weight:600;margin:12px 0 4px}
.hint{color:#4a4a4a;font-size:14px;margin:2px 0 0}
input[type=text],input[type=email],input[type=tel],input[type=url],select,textarea{width:100%;max-width:520px;font:inherit;padding:9px 10px;border:2px solid #8a817c;border-radius:6px;background:#fff;color:#1f1f1f}
textarea{min-height:90px}
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid #1f5fbf;outline-offset:2px}
[aria-invalid=true]{border-color:#b3261e}
.field-error{color:#b3261e;font-weight:600;font-size:14px;margin:4px 0 0}
fieldset{border:1px solid #d8d0cb;border-radius:8px;margin:14px 0;padding:8px 14px 14px}
legend{font-weight:700;padding:0 6px}
.check{display:flex;gap:8px;align-items:flex-start;font-weight:400;margin:8px 0}
.check input{margin-top:5px}
button,.button{display:inline-block;font:inherit;font-weight:700;border-radius:6px;padding:9px 16px;cursor:pointer;text-decoration:none;border:2px solid #b53a0d;background:#b53a0d;color:#fff;margin:10px 8px 0 0}
button.secondary,.button.secondary{background:#fff;color:#8a2d0a}
button.link{background:none;border:0;color:#9c310b;text-decoration:underline;padding:4px 0;font-weight:600;margin:0}
.notice{border-radius:8px;padding:10px 14px;margin:0 0 14px}
.notice.error{background:#fdeceb;color:#8c1d13;border:1px solid #f0b4ae}
.notice.ok{background:#e7f5ec;color:#14532d;border:1px solid #a8dcbb}
.notice.info{background:#fff4ee;color:#6f2608;border:1px solid #f8c9b3}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid #ece6e2;vertical-align:top}
th{font-size:14px;color:#3d3d3d}
code,.secret{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;background:#f3eeeb;padding:2px 5px;border-radius:4px;word-break:break-all}
.keys th{width:30%}
.tag{display:inline-block;font-size:13px;font-weight:700;border-radius:10px;padding:1px 9px;background:#efe9e5;color:#3d3d3d}
.tag.ok{background:#dcf1e3;color:#14532d}.tag.foreign{background:#e6e9fb;color:#27306e}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
dl.facts dt{font-weight:600;color:#3d3d3d}dl.facts dd{margin:0}
pre{background:#1f1f1f;color:#f5f5f5;padding:12px;border-radius:8px;overflow-x:auto;font-size:13px}
footer{max-width:1040px;margin:0 auto;padding:10px 20px 30px;color:#555;font-size:13px}
@media (max-width:600px){main{padding:14px}h1{font-size:22px}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}.keys,.keys tbody,.keys tr,.keys th,.keys td{display:block;width:auto}.keys th{border:0;padding-bottom:0}.keys tr{border-bottom:1px solid #ece6e2;padding:4px 0}.keys td{border:0}}
`;

export type PortalSection = 'home' | 'settlements' | 'buttons' | 'signin';

export interface PortalChrome {
  /** The signed-in person, for the header; undefined on the sign-in pages. */
  user?: { name: string };
  section: PortalSection;
  /** Extra CSS of a page (drawn by the code, never user data). */
  css?: string;
  /** Scripts the page loads from the emulator itself (`script-src 'self'`). */
  scripts?: string[];
}

export function portalLayout(title: string, body: Html, chrome: PortalChrome): Html {
  const link = (href: string, section: PortalSection, text: string) => html`<a href="${href}"${chrome.section === section ? trusted(' aria-current="page"') : ''}>${text}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Vipps portal (Devkit)</title>
<style>${trusted(CSS)}${trusted(chrome.css ?? '')}</style>
${(chrome.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/portal">Vipps <span>portal</span></a>
<nav aria-label="Portal">
${chrome.user ? html`${link('/portal', 'home', 'Companies and sales units')}${link('/portal/settlements', 'settlements', 'Settlements')}` : ''}${link('/portal/buttons', 'buttons', 'Buttons')}
</nav>
${chrome.user ? html`<span class="who">Signed in as ${chrome.user.name}</span><form method="post" action="/portal/logout"><button class="link" type="submit">Sign out</button></form>` : ''}
</header>
<main id="main">
${body}
</main>
<footer>Vipps Devkit: a simulated merchant portal for the test environment. Nothing here reaches Vipps.</footer>
</body>
</html>`;
}

export function portalNotice(kind: 'error' | 'ok' | 'info', text: Html | string | undefined): Html {
  return text ? html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>` : html``;
}

/** A labelled text field with its hint and error, tied together for screen readers. */
export function textField(o: { name: string; label: string; value?: string; type?: string; hint?: string; error?: string; required?: boolean; autocomplete?: string; inputmode?: string }): Html {
  const described = [o.hint ? `${o.name}-hint` : '', o.error ? `${o.name}-error` : ''].filter(Boolean).join(' ');
  return html`<label for="${o.name}">${o.label}${o.required ? '' : html` <span class="hint">(optional)</span>`}</label>
<input id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}${described ? html` aria-describedby="${described}"` : ''}${o.error ? trusted(' aria-invalid="true"') : ''}>
${o.hint ? html`<p class="hint" id="${o.name}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="field-error" id="${o.name}-error" data-testid="error-${o.name}">${o.error}</p>` : ''}`;
}

/** A 4xx page in the portal's frame. */
export function portalErrorPage(user: { name: string } | undefined, title: string, message: string): Html {
  return portalLayout(title, html`<h1>${title}</h1>
<div class="notice error" role="alert" data-testid="error">${message}</div>
<p><a href="/portal">Back to the portal</a></p>`, { section: 'home', ...(user ? { user } : {}) });
}
