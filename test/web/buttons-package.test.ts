/**
 * `vipps-devkit/buttons` as a merchant's build imports it: the package's own entry point (built),
 * its catalogue of the documented variants, and the script it hands out, which defines the three
 * elements in a window and nothing outside one. The drawing itself is checked in Chromium
 * (test/e2e/portal.e2e.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { BUTTON_CATALOGUE, defineVippsButtons, vippsButtonsScript } from 'vipps-devkit/buttons';

describe('the vipps-devkit/buttons export', () => {
  it('has the approved verbs in English and Norwegian, both shapes, and the documented sizes', () => {
    expect(BUTTON_CATALOGUE.verbs.pay).toEqual({ en: 'Pay with', no: 'Betal med' });
    expect(BUTTON_CATALOGUE.verbs.login.no).toBe('Logg inn med');
    expect(BUTTON_CATALOGUE.shapes).toEqual(['rect', 'pill']);
    expect(BUTTON_CATALOGUE.sizes.medium).toMatchObject({ width: 214, height: 43, radius: 5 });
    expect(BUTTON_CATALOGUE.variants.orange.background).toBe('#FF5B24');
    expect(BUTTON_CATALOGUE.mark).toMatchObject({ width: 48, height: 32, radius: 3.5 });
  });

  it('its script defines the elements on the window it is given, and does nothing without one', () => {
    const defined = new Map<string, unknown>();
    class HTMLElement {}
    const win = { HTMLElement, customElements: { get: (n: string) => defined.get(n), define: (n: string, c: unknown) => defined.set(n, c) } };
    new Function('window', vippsButtonsScript())(win);
    expect([...defined.keys()]).toEqual(['vipps-button', 'vipps-mark', 'vipps-badge']);
    // Defining twice (two scripts on one page) keeps the first definitions.
    const first = defined.get('vipps-button');
    defineVippsButtons(win);
    expect(defined.get('vipps-button')).toBe(first);
    expect(() => defineVippsButtons(undefined)).not.toThrow();
  });
});
