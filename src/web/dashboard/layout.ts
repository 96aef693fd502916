import { html, trusted, type Html } from '../html.js';

/**
 * The dashboard's frame: a full-width page (the other pages are phone-sized) with a navigation bar
 * and a live indicator. Styles inline (CSP allows inline styles, no external files); one small
 * script (/dashboard/live.js, same origin) keeps the marked regions current over Server-Sent Events.
 */
const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f7f5f4;color:#1f1f1f;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
a{color:#a8320a}
header.top{background:#ff5b24;color:#1f1f1f;padding:10px 20px;display:flex;flex-wrap:wrap;align-items:center;gap:8px 18px}
header.top .logo{font-weight:800;font-size:20px;color:#1f1f1f;text-decoration:none}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}
nav a{display:inline-block;color:#1f1f1f;text-decoration:none;padding:6px 10px;border-radius:8px;font-weight:600}
nav a[aria-current=page]{background:#fff}
nav a:hover,nav a:focus{background:rgba(255,255,255,.55)}
.live{margin-left:auto;font-size:13px;background:#fff;border-radius:10px;padding:2px 10px}
main{padding:18px 20px;max-width:1280px;margin:0 auto}
h1{font-size:24px;margin:4px 0 14px}
h2{font-size:18px;margin:22px 0 8px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:14px}
.card{background:#fff;border:1px solid #e6e0dc;border-radius:12px;padding:14px 16px;margin:0 0 14px}
.stat{font-size:28px;font-weight:800}
.muted{color:#5c5c5c}
.small{font-size:13px}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #eee8e4;vertical-align:top}
th{font-size:13px;color:#4a4a4a;background:#fbf9f8}
.scroll{overflow-x:auto;border:1px solid #e6e0dc;border-radius:12px}
.badge{display:inline-block;font-size:12px;font-weight:700;border-radius:10px;padding:1px 8px;background:#ececec;color:#333}
.ok{background:#dff3e6;color:#14532d}.bad{background:#fde2df;color:#8a1c12}.wait{background:#fff0d6;color:#6b4100}
form.inline{display:inline}
form.filters{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin:0 0 14px}
form.filters label,form.stack label{display:block;font-size:13px;font-weight:600;margin:0 0 3px}
input,select{font:inherit;padding:6px 8px;border:1px solid #b9b0aa;border-radius:8px;background:#fff;color:#1f1f1f}
input:focus,select:focus,button:focus,a:focus{outline:3px solid #1f6feb;outline-offset:1px}
button{font:inherit;font-weight:600;padding:6px 12px;border-radius:8px;border:1px solid #8a3312;background:#fff;color:#8a3312;cursor:pointer}
button.primary{background:#c43d0e;border-color:#c43d0e;color:#fff}
form.stack{display:flex;flex-wrap:wrap;gap:8px 12px;align-items:flex-end;margin:8px 0}
.notice{border-radius:10px;padding:10px 12px;margin:0 0 14px;background:#fff4ee;border:1px solid #ffc9b0}
.notice.error{background:#fdeceb;border-color:#f4b8b3;color:#7d1a10}
pre{background:#faf8f7;border:1px solid #eee8e4;border-radius:8px;padding:8px;overflow-x:auto;font-size:12px;white-space:pre-wrap;word-break:break-all;max-height:320px}
code{font-size:13px;word-break:break-all}
details summary{cursor:pointer}
ol.timeline{list-style:none;margin:0;padding:0}
ol.timeline li{padding:6px 0 6px 14px;border-left:3px solid #ffb08f;margin-left:4px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:0}
dl.facts dt{font-weight:600;color:#4a4a4a}dl.facts dd{margin:0;word-break:break-all}
footer{padding:14px 20px;color:#5c5c5c;font-size:12px;text-align:center}
@media (max-width:640px){main{padding:12px}header.top{padding:8px 12px}.hide-narrow{display:none}th,td{padding:6px 5px}}
`;

export const DASHBOARD_NAV = [
  { href: '/', label: 'Overview' },
  { href: '/dashboard/payments', label: 'Payments' },
  { href: '/dashboard/orders', label: 'eCom orders' },
  { href: '/dashboard/agreements', label: 'Agreements' },
  { href: '/dashboard/sessions', label: 'Checkout sessions' },
  { href: '/dashboard/deliveries', label: 'Deliveries' },
  { href: '/dashboard/operations', label: 'Clock & operations' },
] as const;

/** The Content-Security-Policy of every dashboard page: its own script and stream only. */
export const DASHBOARD_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function dashboardLayout(title: string, current: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — Vipps Devkit</title>
<style>${trusted(CSS)}</style>
<script src="/dashboard/live.js" defer></script>
</head>
<body>
<header class="top">
<a class="logo" href="/">vipps devkit</a>
<nav aria-label="Dashboard">
<ul>${DASHBOARD_NAV.map((n) => html`<li><a href="${n.href}"${n.href === current ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul>
</nav>
<span class="live" id="live-status" role="status" data-testid="live-status">static</span>
</header>
<main>
${body}
</main>
<footer>Vipps Devkit dashboard — what the emulator saw. <a href="/devkit/v1/docs">Control API docs</a> · <a href="/status">Status page</a> · <a href="/app">Simulated app</a></footer>
</body>
</html>`;
}

/** The script of /dashboard/live.js: swaps the page's `data-live` regions when the stream says something changed. */
export const LIVE_SCRIPT = `'use strict';
(function () {
  var status = document.getElementById('live-status');
  if (!window.EventSource || !status) return;
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (!text) return;
        var next = new DOMParser().parseFromString(text, 'text/html');
        document.querySelectorAll('[data-live]').forEach(function (el) {
          var fresh = next.getElementById(el.id);
          if (fresh) el.replaceWith(document.importNode(fresh, true));
        });
        status.textContent = 'live · updated ' + new Date().toLocaleTimeString();
      })
      .catch(function () {})
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var source = new EventSource('/dashboard/events');
  source.addEventListener('open', function () { status.textContent = 'live'; });
  source.addEventListener('change', refresh);
  source.addEventListener('error', function () { status.textContent = 'reconnecting…'; });
})();
`;
