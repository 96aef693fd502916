import { html, type Html } from './html.js';
import { layout } from './layout.js';

/** A clear page for bad links and bad input (4xx), in the pages' own style. */
export function errorPage(title: string, message: string, link: { href: string; text: string } = { href: '/app', text: 'Open the simulated Vipps app' }): Html {
  return layout(title, html`<h1>${title}</h1>
<div class="notice error" role="alert" data-testid="error">${message}</div>
<a class="btn btn-secondary" href="${link.href}">${link.text}</a>`);
}
