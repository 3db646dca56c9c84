// The writer's error overlay (issue 12 item 20), in Chromium at a phone's width: the YAML error of
// a broken front matter comes first, at its line, with no false errors in the articles that link
// to it; the overlay folds with a keyboard-accessible button (or Escape) to a small bar, stays
// folded across the live reloads while the writer edits, and is axe clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { startWriter } from './lib/server.js';
import { launch, newPage, axe } from './lib/browser.js';

let writer, browser;
before(async () => {
  writer = await startWriter();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await writer?.stop();
});

const PAGE = '/es/articles/horario-de-atencion/';
const BROKEN = 'content/es/getting-started/clave-de-partner.md';
// Links to BROKEN and sorts before it, so only the order of the list puts the YAML error first.
const LINKING = 'content/es/getting-started/a-enlaces.md';

test('overlay: YAML error first at its line, folds at 375 px and stays folded, axe clean', async () => {
  const page = await newPage(browser, writer.base);
  await page.setViewportSize({ width: 375, height: 667 });
  await page.goto(PAGE);
  const good = await fs.readFile(writer.file(BROKEN), 'utf8');
  const line = good.split('\n').findIndex((l) => l.startsWith('title:')) + 1;
  await fs.writeFile(writer.file(LINKING),
    '---\ntitle: Enlaces\n---\n\n[La clave](clave-de-partner.md) y [otra](no-existe.md)\n');
  // an unclosed quote: the parser notices it at the end of the front matter
  await fs.writeFile(writer.file(BROKEN), good.replace(/^title: (.*)$/m, 'title: "$1'));
  try {
    const overlay = page.locator('#ayuda-live-overlay');
    const errors = overlay.locator('li.ayuda-live-error');
    await errors.filter({ hasText: BROKEN }).waitFor();
    const texts = await errors.allTextContents();
    assert.match(texts[0], new RegExp(`^${BROKEN}:${line}:\\d+ .*\\[yaml-syntax\\]$`));
    assert.equal(texts.length, 2, `no false errors for links to the broken article: ${texts.join('\n')}`);
    assert.match(texts[1], /no-existe\.md/);

    const toggle = page.locator('#ayuda-live-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    const open = await overlay.boundingBox();
    assert.ok(open.height <= 667 * 0.45, `open, it leaves most of the phone screen: ${open.height}px`);
    assert.deepEqual(await axe(page), []);

    // fold with the keyboard
    await toggle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await errors.first().isVisible(), false);
    const folded = await overlay.boundingBox();
    assert.ok(folded.height <= 60, `folded, it is one small bar: ${folded.height}px`);
    assert.deepEqual(await axe(page), []);

    // another save while it is still broken: the overlay is rebuilt, and stays folded
    await fs.writeFile(writer.file(LINKING),
      '---\ntitle: Enlaces\n---\n\n[La clave](clave-de-partner.md) y [otra](tampoco.md)\n');
    await overlay.locator('li.ayuda-live-error', { hasText: 'tampoco.md' }).waitFor({ state: 'attached' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    // and across a reload of the page
    await page.reload();
    await page.locator('#ayuda-live-toggle[aria-expanded="false"]').waitFor();
    await page.locator('#ayuda-live-toggle').click();
    assert.equal(await page.locator('#ayuda-live-toggle').getAttribute('aria-expanded'), 'true');
    // Escape folds it again from inside the overlay
    await page.locator('#ayuda-live-toggle').focus();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#ayuda-live-toggle').getAttribute('aria-expanded'), 'false');
    assert.deepEqual(page.cspViolations, []);
  } finally {
    await fs.writeFile(writer.file(BROKEN), good);
    await fs.rm(writer.file(LINKING), { force: true });
  }
  await page.locator('#ayuda-live-overlay').waitFor({ state: 'detached' });
  await page.context().close();
});
