import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OsloTimeFormatter, osloOffsetMs } from '../../../src/apis/settlements/reports/format.js';
import { settlementReportXmlV2, settlementReportXmlV3 } from '../../../src/apis/settlements/reports/xml.js';
import { skipNote } from '../../helpers/skip.js';
import { EXAMPLES, SAMPLES, XSD2, collect, exampleModel, samplesMissing, validateXml, xmllintMissing } from './samples.js';

const dir = mkdtempSync(path.join(tmpdir(), 'settle-xml-'));
const noSamples = samplesMissing;
const noValidator = samplesMissing ?? xmllintMissing;

describe('XML settlement report v3.0', () => {
  for (const file of EXAMPLES) {
    it.skipIf(noSamples !== undefined)(`re-serializes ${file} byte for byte from its rows${skipNote(noSamples)}`, async () => {
      const written = await collect(settlementReportXmlV3(exampleModel(file)));
      expect(written).toBe(readFileSync(path.join(SAMPLES, file), 'utf8'));
    });
  }

  it.skipIf(noValidator !== undefined)(`escapes text and validates against XSD 3.0 and XSD 2.0${skipNote(noValidator)}`, async () => {
    const model = exampleModel('Example-Net.xml');
    const unit = model.salesUnits[0]!;
    unit.name = 'Fish & Chips <Grünerløkka> "AS"';
    unit.city = 'Mo i Rana';
    const v3 = await collect(settlementReportXmlV3(model));
    expect(v3).toContain('<SaleUnitName>Fish &amp; Chips &lt;Grünerløkka&gt; &quot;AS&quot;</SaleUnitName>');
    writeFileSync(path.join(dir, 'v3.xml'), v3);
    expect(await validateXml(path.join(dir, 'v3.xml'))).toMatchObject({ ok: true });
    writeFileSync(path.join(dir, 'v2.xml'), await collect(settlementReportXmlV2(model)));
    const v2 = await validateXml(path.join(dir, 'v2.xml'), XSD2);
    expect(v2.output).toContain('validates');
    expect(v2.ok).toBe(true);
  });

  it('refuses a sales unit without settlements, which the schema cannot express', async () => {
    const model = { salesUnits: [{ ...exampleFallbackUnit(), settlements: [] }] };
    await expect(collect(settlementReportXmlV3(model))).rejects.toThrow(/no settlement/);
  });
});

describe('Oslo time in reports', () => {
  it('switches offset at the EU summer-time instants and drops trailing zeros of milliseconds', () => {
    const f = new OsloTimeFormatter();
    // 2024: summer time 31 March 01:00 UTC – 27 October 01:00 UTC
    expect(f.format(Date.UTC(2024, 2, 31, 0, 59, 59, 999))).toBe('2024-03-31T01:59:59.999+01:00');
    expect(f.format(Date.UTC(2024, 2, 31, 1, 0, 0, 0))).toBe('2024-03-31T03:00:00+02:00');
    expect(f.format(Date.UTC(2024, 9, 27, 0, 59, 59, 270))).toBe('2024-10-27T02:59:59.27+02:00');
    expect(f.format(Date.UTC(2024, 9, 27, 1, 0, 0, 30))).toBe('2024-10-27T02:00:00.03+01:00');
    expect(f.format(Date.UTC(2024, 11, 31, 23, 30, 0, 100))).toBe('2025-01-01T00:30:00.1+01:00');
  });

  it('agrees with the ICU time zone database hour by hour over three years', () => {
    const icu = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Oslo', timeZoneName: 'longOffset' });
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000) {
      const name = icu.formatToParts(t).find((p) => p.type === 'timeZoneName')!.value;
      expect(`GMT+0${osloOffsetMs(t) / 3_600_000}:00`, new Date(t).toISOString()).toBe(name);
    }
  });
});

function exampleFallbackUnit() {
  return {
    name: 'n', msn: '123456', organizationName: 'o', organizationNumber: '998724341', address: 'a', zipCode: '0150', city: 'Oslo',
    countryCode: 'NOR', accountNumber: '15037654733', reportDateFrom: '2024-01-01', reportDateTo: '2024-01-01', currency: 'NOK',
  };
}
