import { BUTTON_CATALOGUE } from './catalogue.js';
import { defineVippsButtonElements } from './element.js';

let cached: string | undefined;

/**
 * The script the emulator serves at `/portal/vipps-buttons.js`: the element definitions and the
 * catalogue in one classic script, for a merchant's page to load with a `<script src>`.
 */
export function vippsButtonsScript(): string {
  cached ??= `/* Vipps Devkit buttons: <vipps-button>, <vipps-mark>, <vipps-badge>. Drawn by Vipps Devkit, not Vipps' artwork. */\n(${defineVippsButtonElements.toString()})(typeof window === 'undefined' ? undefined : window, ${JSON.stringify(BUTTON_CATALOGUE)});\n`;
  return cached;
}
