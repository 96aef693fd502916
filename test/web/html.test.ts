import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../src/web/html.js';
import { formatAmount, normalizePhone } from '../../src/web/format.js';

describe('the pages escape every interpolated value', () => {
  it('escapes markup and both kinds of quotes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y' \``)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39; &#96;');
  });

  it('html`` escapes values, keeps nested templates, joins arrays, drops null/undefined/false', () => {
    const evil = `"><img src=x onerror=alert(1)>`;
    const out = html`<a title="${evil}">${[html`<b>${'<i>'}</b>`, '<u>']}${null}${undefined}${false}${0}</a>`.value;
    expect(out).toBe('<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"><b>&lt;i&gt;</b>&lt;u&gt;0</a>');
  });
});

describe('formatting', () => {
  it('shows NOK the Norwegian way', () => {
    expect(formatAmount({ currency: 'NOK', value: 123456 })).toBe('1\u00a0234,56 kr');
    expect(formatAmount({ currency: 'EUR', value: 151 })).toBe('1.51 EUR');
  });

  it('normalizes what people type as a phone number', () => {
    expect(normalizePhone('977 77 776')).toBe('4797777776');
    expect(normalizePhone('+47 977 77 776')).toBe('4797777776');
    expect(normalizePhone('004797777776')).toBe('4797777776');
    expect(normalizePhone('4797777776')).toBe('4797777776');
    expect(normalizePhone('12')).toBeUndefined();
    expect(normalizePhone('abc')).toBeUndefined();
  });
});
