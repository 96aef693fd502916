import { html, trusted, type Html } from './html.js';

/** Vipps orange and friends; everything inline so that the pages work offline. */
const CSS = `
*{box-sizing:border-box}
body{margin:0;background:#f2efed;color:#262626;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.phone{max-width:420px;min-height:100vh;margin:0 auto;background:#fff;box-shadow:0 0 24px rgba(0,0,0,.08);display:flex;flex-direction:column}
header{background:#ff5b24;color:#fff;padding:14px 18px;display:flex;align-items:center;gap:10px}
header .logo{font-weight:800;font-size:22px;letter-spacing:-.5px}
header .tag{margin-left:auto;font-size:12px;background:rgba(255,255,255,.22);border-radius:10px;padding:2px 8px}
main{padding:18px;flex:1}
h1{font-size:22px;margin:4px 0 14px}
h2{font-size:17px;margin:22px 0 8px;color:#555}
.card{border:1px solid #ebe6e3;border-radius:14px;padding:14px 16px;margin:0 0 12px;background:#fff}
.merchant{font-weight:700;font-size:18px;word-break:break-word}
.amount{font-size:30px;font-weight:800;margin:6px 0}
.desc{color:#555;word-break:break-word}
.meta{color:#777;font-size:13px}
label{display:block;font-weight:600;margin:12px 0 6px}
input[type=tel],input[type=text],input[type=password],input[type=url]{width:100%;font-size:18px;padding:12px;border:2px solid #d9d2ce;border-radius:10px}
input:focus{outline:none;border-color:#ff5b24}
.btn{display:block;width:100%;border:0;border-radius:26px;padding:13px;font-size:17px;font-weight:700;margin:10px 0 0;cursor:pointer;text-align:center;text-decoration:none}
.btn-primary{background:#ff5b24;color:#fff}
.btn-secondary{background:#fff;color:#262626;border:2px solid #d9d2ce}
.row{display:flex;gap:10px}.row>*{flex:1}
.notice{border-radius:10px;padding:10px 12px;margin:0 0 12px}
.notice.error{background:#fdeceb;color:#9b1c12;border:1px solid #f4b8b3}
.notice.ok{background:#e9f7ef;color:#17603a;border:1px solid #b5e2c6}
.notice.info{background:#fff4ee;color:#8a3312;border:1px solid #ffd2bf}
.badge{display:inline-block;font-size:12px;font-weight:700;border-radius:10px;padding:2px 8px;background:#eee;color:#444}
.badge.AUTHORIZED{background:#e0f4e8;color:#17603a}.badge.CREATED{background:#fff0e8;color:#b53d0c}
.badge.ABORTED,.badge.EXPIRED,.badge.TERMINATED{background:#f1f1f1;color:#666}
.badge.charge-charged,.badge.charge-reserved{background:#e0f4e8;color:#17603a}.badge.charge-upcoming,.badge.charge-processing{background:#fff0e8;color:#b53d0c}.badge.charge-failed{background:#fdeceb;color:#9b1c12}
ul.plain{list-style:none;margin:0;padding:0}
ul.plain li{padding:10px 0;border-bottom:1px solid #f0ebe8;display:flex;justify-content:space-between;gap:10px}
a{color:#c43d0e}
footer{padding:12px 18px;color:#999;font-size:12px;text-align:center}
code{background:#f5f2f0;padding:1px 4px;border-radius:4px;word-break:break-all}
`;

export interface PageOptions {
  /** Short label in the header, e.g. "Vipps MT app (simulated)". */
  tag?: string;
  /** Reload the page after this many seconds (the landing page waits for the app). */
  refreshSeconds?: number;
}

/** The shared frame of every page: a phone-sized column under an orange header. */
export function layout(title: string, body: Html, options: PageOptions = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${title}</title>
<style>${trusted(CSS)}</style>
</head>
<body>
<div class="phone">
<header><span class="logo">vipps</span><span class="tag">${options.tag ?? 'Vipps Devkit'}</span></header>
<main>
${body}
</main>
<footer>Vipps Devkit — simulated test environment, not the real Vipps</footer>
</div>
</body>
</html>`;
}

export function notice(kind: 'error' | 'ok' | 'info', text: Html | string | undefined): Html {
  return text ? html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>` : html``;
}
