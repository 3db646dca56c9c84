// Code blocks and tables on an article (issue 12 item 18), in Chromium: highlighted at build time
// with classes, a copy button added by the theme's script that puts the code on the clipboard and
// says so in the page's language, codes such as PLAY-404 on one line in a narrow table cell, and
// axe clean on a page with code and a wide table, in light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { startWriter } from './lib/server.js';
import { launch, newPage, axe } from './lib/browser.js';

let writer, browser;
const PAGE = '/es/articles/codigos-de-error/';
const CODE = 'curl -H "Authorization: Bearer $CLAVE" https://api.example.org/v1/videos/PLAY-404';
const ARTICLE = `---
title: Códigos de error
---

Pruebe la llamada:

\`\`\`bash
${CODE}
\`\`\`

\`\`\`json
{"error": "PLAY-404", "retry": false}
\`\`\`

| código | qué significa | qué hacer | desde | ejemplo |
| --- | --- | --- | --- | --- |
| PLAY-404 | El video no está en el catálogo del plan actual del partner | Revise el id del video y el plan, luego recargue el reproductor | 2024 | \`/v1/videos/PLAY-404\` |
| AUTH-401-EXPIRED | La sesión venció | Inicie sesión otra vez | 2023 | \`Authorization: Bearer …\` |
`;

before(async () => {
  writer = await startWriter();
  browser = await launch();
  await fs.writeFile(writer.file('content/es/troubleshooting/codigos-de-error.md'), ARTICLE);
});
after(async () => {
  await browser?.close();
  await writer?.stop();
});

async function open(opts = {}) {
  const page = await newPage(browser, writer.base, opts);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: writer.base });
  // the writer rebuilds after the save above: wait for the page to exist
  for (let i = 0; i < 100; i++) {
    const r = await page.goto(PAGE);
    if (r && r.status() === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  page.jsErrors.length = 0; // the 404s while waiting
  return page;
}

test('code: highlighted with classes, the copy button copies and says Copiado', async () => {
  const page = await open();
  const pre = page.locator('pre').first();
  assert.equal(await pre.getAttribute('tabindex'), '0');
  assert.match(await pre.getAttribute('aria-label'), /^Código/);
  assert.ok(await page.locator('pre code.hl [class^="hl-"]').count() > 0, 'highlighting spans');
  assert.equal(await page.locator('.prose [style]').count(), 0, 'no inline styles');

  const button = page.locator('.code-wrap').first().getByRole('button');
  assert.equal(await button.textContent(), 'Copiar');
  // keyboard: focus it and press Enter
  await button.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.copy-code').textContent === 'Copiado');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${CODE}\n`);
  assert.equal(await page.locator('.code-wrap [role="status"]').first().textContent(), 'Copiado');
  assert.deepEqual(page.cspViolations, []);
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});

test('code: no copy button without JavaScript, the code is still there', async () => {
  const page = await open({ javaScriptEnabled: false });
  assert.equal(await page.locator('.copy-code').count(), 0);
  assert.match(await page.locator('pre').first().textContent(), /PLAY-404/);
  await page.context().close();
});

test('tables: PLAY-404 stays on one line in a narrow cell; axe clean with code and a wide table', async () => {
  const page = await open();
  await page.setViewportSize({ width: 375, height: 740 });
  const cell = page.locator('td').filter({ hasText: /^PLAY-404$/ });
  const lines = await cell.evaluate((td) => {
    const range = document.createRange();
    range.selectNodeContents(td);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return tops.size;
  });
  assert.equal(lines, 1, 'PLAY-404 on one line');
  // the table is wider than the phone: it scrolls in a focusable region
  const wrap = page.locator('.table-wrap');
  assert.equal(await wrap.getAttribute('tabindex'), '0');
  assert.ok(await wrap.evaluate((w) => w.scrollWidth > w.clientWidth), 'the table scrolls');
  const violations = await axe(page);
  assert.deepEqual(violations, []);
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.deepEqual(await axe(page), []);
  await page.context().close();
});
