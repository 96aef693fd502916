/**
 * The picture in docs/testdata.md: a real run of `vipps-devkit testdata`, its output drawn as a
 * terminal in Chromium and saved to docs/images/testdata-terminal.png. The test checks that what
 * is drawn is the command's own output and that its numbers pass an independent validator.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateNorwegianIdNumber } from 'norwegian-national-id-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { browserSkipReason, launchPhoneBrowser } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { skipNote } from '../helpers/skip.js';

const IMAGES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'images');
const skipReason = browserSkipReason('the testdata screenshot');
const COMMANDS = [
  ['testdata', 'people', '--count', '5', '--seed', '7', '--today', '2026-11-28'],
  ['testdata', 'kid', '--count', '3', '--seed', '7', '--algorithm', 'mod11'],
];

describe.skipIf(skipReason !== undefined)(`testdata in the docs${skipNote(skipReason)}`, () => {
  let browser: BrowserContext;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ browser, close } = await launchPhoneBrowser());
  });
  afterAll(async () => {
    await close?.();
  });

  it('draws two real runs as a terminal and saves the picture', async () => {
    let transcript = '';
    for (const args of COMMANDS) {
      const r = await runCli(args, 60_000);
      expect(r.code, r.stderr).toBe(0);
      transcript += `$ vipps-devkit ${args.join(' ')}\n${r.stdout}\n`;
    }
    const people = transcript.split('\n').slice(2, 7);
    const nins = people.map((row) => /\b\d{11}\b/.exec(row)?.[0]);
    expect(nins.every((n) => n !== undefined && validateNorwegianIdNumber(n)), people.join('\n')).toBe(true);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 420 });
    await page.setContent('<!doctype html><body style="margin:0;background:#1e1e1e"><pre id="t" style="margin:0;padding:16px;color:#e6e6e6;font:13px/1.45 monospace;white-space:pre"></pre></body>');
    await page.locator('#t').evaluate((el, text) => (el.textContent = text), transcript.trimEnd());
    expect(await page.locator('#t').innerText()).toContain(nins[0]!);
    await page.screenshot({ path: path.join(IMAGES, 'testdata-terminal.png'), fullPage: true });
    await page.close();
  });
});
