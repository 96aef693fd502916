/**
 * The status page's history feeds: RSS 2.0 at /history.rss and Atom 1.0 at /history.atom, checked
 * with xmllint (libxml2-utils) for well-formedness and the elements each format requires.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, startTestEmulator, type TestEmulator } from '../../helpers/emulator.js';
import { skipNote } from '../../helpers/skip.js';

const XMLLINT = '/usr/bin/xmllint';
const skipReason = existsSync(XMLLINT) ? undefined : `${XMLLINT} is not installed (apt-get install libxml2-utils; .ci/run installs it)`;
if (skipReason) console.log(`[feeds] feed validation skipped: ${skipReason}`);

const ATOM = 'http://www.w3.org/2005/Atom';
const TRICKY = 'Payments <script>alert(1)</script> & "quotes"';

describe.skipIf(skipReason !== undefined)(`history feeds${skipNote(skipReason)}`, () => {
  let emu: TestEmulator;
  let dir: string;
  let incidentId: string;

  beforeAll(async () => {
    emu = await startTestEmulator();
    dir = mkdtempSync(path.join(tmpdir(), 'devkit-feeds-'));
    const added = await emu.call('POST', '/devkit/v1/faults', { anonymous: true, body: { type: 'errors', api: 'epayment', rate: 0.3, status: 500, title: TRICKY } });
    expect(added.status).toBe(201);
    incidentId = added.body.incident.id;
    await emu.call('DELETE', `/devkit/v1/faults/${added.body.fault.id}`, { anonymous: true });
    await emu.call('POST', '/devkit/v1/faults', { anonymous: true, body: { type: 'latency', api: 'webhooks', latencyMs: 10 } });
    await emu.call('POST', '/devkit/v1/maintenances', { anonymous: true, body: { startsIn: '2h', duration: '1h', name: 'Planned upgrade' } });
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await emu?.close();
  });

  async function fetchFeed(name: string, contentType: RegExp): Promise<string> {
    const res = await http(`${emu.url}/${name}`, { method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(contentType);
    const file = path.join(dir, name);
    writeFileSync(file, res.text);
    // Throws (non-zero exit) when the document is not well-formed XML.
    execFileSync(XMLLINT, ['--noout', file], { stdio: 'pipe' });
    return file;
  }
  const xpath = (file: string, expr: string) => execFileSync(XMLLINT, ['--xpath', expr, file], { encoding: 'utf8' }).trim();

  it('RSS 2.0: well-formed, channel and item elements present, values unescaped correctly', async () => {
    const file = await fetchFeed('history.rss', /^application\/rss\+xml/);
    expect(xpath(file, 'string(/rss/@version)')).toBe('2.0');
    for (const el of ['title', 'link', 'description']) expect(xpath(file, `string(/rss/channel/${el})`).length, el).toBeGreaterThan(0);
    expect(xpath(file, 'count(/rss/channel/item)')).toBe('3');
    expect(xpath(file, 'count(/rss/channel/item[title and link and guid and pubDate and description])')).toBe('3');
    expect(xpath(file, "string(/rss/channel/item[contains(title, 'alert(1)')]/title)")).toBe(TRICKY);
    expect(xpath(file, `count(/rss/channel/item[contains(link, '${incidentId}')])`)).toBe('1');
    for (const date of xpath(file, '/rss/channel/item/pubDate/text()').split('\n')) expect(Number.isNaN(Date.parse(date)), date).toBe(false);
    // The description carries the updates as escaped HTML; it must not leak markup into the feed.
    expect(xpath(file, 'count(//script)')).toBe('0');
  });

  it('Atom 1.0: well-formed, in the Atom namespace, with id, title, updated, author and entries', async () => {
    const file = await fetchFeed('history.atom', /^application\/atom\+xml/);
    const feed = `/*[local-name()='feed' and namespace-uri()='${ATOM}']`;
    const child = (el: string) => `*[local-name()='${el}' and namespace-uri()='${ATOM}']`;
    expect(xpath(file, `count(${feed})`)).toBe('1');
    for (const el of ['id', 'title', 'updated']) expect(xpath(file, `count(${feed}/${child(el)})`), el).toBe('1');
    expect(xpath(file, `string(${feed}/${child('author')}/${child('name')})`).length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(xpath(file, `string(${feed}/${child('updated')})`)))).toBe(false);
    expect(xpath(file, `count(${feed}/${child('entry')})`)).toBe('3');
    expect(xpath(file, `count(${feed}/${child('entry')}[${child('id')} and ${child('title')} and ${child('updated')} and ${child('link')} and ${child('content')}])`)).toBe('3');
    const ids = xpath(file, `${feed}/${child('entry')}/${child('id')}/text()`).split('\n');
    expect(new Set(ids).size).toBe(3);
    // Escaped in the XML, the exact text once parsed.
    expect(xpath(file, `string(${feed}/${child('entry')}[contains(${child('title')}, 'alert(1)')]/${child('title')})`)).toBe(TRICKY);
  });
});
