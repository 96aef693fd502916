/**
 * `vipps-devkit/buttons`: the Vipps button, mark and badge web components for a merchant's own
 * pages. In a bundled page: `import { defineVippsButtons } from 'vipps-devkit/buttons';
 * defineVippsButtons();`. Without a bundler, load the script the emulator serves:
 * `<script src="http://localhost:8080/portal/vipps-buttons.js"></script>`.
 */
import { BUTTON_CATALOGUE } from './catalogue.js';
import { defineVippsButtonElements } from './element.js';

export { BUTTON_CATALOGUE, type BadgeVariant, type ButtonCatalogue, type ButtonSize, type ButtonVariant, type ButtonVerb } from './catalogue.js';
export { vippsButtonsScript } from './script.js';

/** Defines `<vipps-button>`, `<vipps-mark>` and `<vipps-badge>` in `win` (the page's window by default). */
export function defineVippsButtons(win: unknown = (globalThis as { window?: unknown }).window): void {
  defineVippsButtonElements(win, BUTTON_CATALOGUE);
}
