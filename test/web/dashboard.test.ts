import { describe, expect, it } from 'vitest';
import type { ActivityItem } from '../../src/platform/activity.js';
import { prefersHtml } from '../../src/server/dashboard/negotiate.js';
import { detailPage, listPage } from '../../src/web/dashboard/pages.js';
import { KINDS } from '../../src/web/dashboard/parts.js';

const evil = '<img src=x onerror=alert(1)>"\'';
const item: ActivityItem = {
  kind: 'payment',
  api: 'epayment',
  msn: '123456',
  id: 'ref"><script>1</script>',
  state: 'CREATED',
  amount: { currency: 'NOK', value: 12345 },
  description: evil,
  phoneNumber: null,
  createdAt: '2026-11-28T10:00:00.000Z',
  owner: null,
  related: [],
};

describe('dashboard pages', () => {
  it('escape what merchants sent: descriptions, ids, documents, the search text', () => {
    const list = listPage({ meta: KINDS[0]!, items: [item], states: ['CREATED'], merchants: ['123456'], query: { q: evil }, nextHref: null }).value;
    const detail = detailPage({ item, timeline: [{ at: item.createdAt, name: 'CREATED', amount: item.amount, success: true, detail: evil }], document: { paymentDescription: evil }, deliveries: [], back: '/x' }).value;
    for (const page of [list, detail]) {
      expect(page).not.toContain('<img src=x');
      expect(page).not.toContain('<script>1</script>');
      expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    expect(list).toContain('href="/dashboard/payments/ref%22%3E%3Cscript%3E1%3C%2Fscript%3E?msn=123456"');
    expect(list).toContain('<td>123,45 kr</td>'); // the amount in kroner
  });

  it('goes to browsers only: HTML when Accept prefers it to JSON', () => {
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/json, text/html')).toBe(false);
    expect(prefersHtml('text/html;q=0.5, application/json')).toBe(false);
  });
});
