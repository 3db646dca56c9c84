// Issue 3, item 8: the search box (ARIA combobox over /api/suggest) and the results page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { launch, newPage, axe } from './lib/browser.js';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Misspelled, without accents, last word partial: each must reach its article.
const SLOPPY = [
  { query: 'horaro de atencio', title: 'Horario de atención', path: '/es/articles/horario-de-atencion/' },
  { query: 'claave de partn', title: 'Tu clave de partner', path: '/es/articles/clave-de-partner/' },
];

for (const { query, title, path } of SLOPPY) {
  test(`search box: "${query}" suggests "${title}", chosen with the keyboard`, async () => {
    const page = await newPage(browser, server.base);
    await page.goto('/es/');
    const box = page.getByRole('combobox', { name: 'Buscar en el centro de ayuda' });
    await box.click();
    // Wait for the answer to the whole query (answers to earlier keystrokes are dropped), then
    // for the list to show it.
    const answered = page.waitForResponse((r) => {
      const u = new URL(r.url());
      return u.pathname === '/api/suggest' && u.searchParams.get('q') === query;
    });
    await box.pressSequentially(query, { delay: 30 });
    const hits = (await (await answered).json()).hits;
    const listbox = page.getByRole('listbox');
    const options = listbox.getByRole('option');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[role="listbox"]:not([hidden]) [role="option"]').length === n,
      hits.length,
    );
    assert.equal(await box.getAttribute('aria-expanded'), 'true');
    const titles = await options.allTextContents();
    hits.forEach((h, i) => assert.ok(titles[i].startsWith(h.title), `option ${i}: ${titles[i]}`));
    const index = titles.findIndex((t) => t.includes(title));
    assert.ok(index >= 0 && index < 5, `"${title}" not among the suggestions: ${JSON.stringify(titles)}`);

    // The live region announces how many suggestions there are.
    const status = page.locator('[data-search-status]');
    assert.match(await status.textContent(), new RegExp(`^${titles.length} sugerencias?`));

    // ArrowDown to the article, checking the active descendant follows.
    for (let i = 0; i <= index; i++) await box.press('ArrowDown');
    const activeId = await box.getAttribute('aria-activedescendant');
    const active = page.locator(`[id="${activeId}"]`);
    assert.equal(await active.getAttribute('aria-selected'), 'true');
    assert.ok((await active.textContent()).includes(title));

    // Escape closes the list without losing the text; ArrowDown opens it again.
    await box.press('Escape');
    assert.equal(await box.getAttribute('aria-expanded'), 'false');
    assert.equal(await listbox.isHidden(), true);
    assert.equal(await box.inputValue(), query);
    for (let i = 0; i <= index; i++) await box.press('ArrowDown');
    assert.equal(await box.getAttribute('aria-expanded'), 'true');

    await Promise.all([page.waitForURL((u) => u.pathname === path), box.press('Enter')]);
    assert.equal(await page.locator('h1').first().textContent(), title);
    assert.deepEqual(page.jsErrors, []);
    await page.context().close();
  });
}

test('search box: Enter without a highlighted suggestion opens the results page', async () => {
  const page = await newPage(browser, server.base);
  await page.goto('/es/');
  const box = page.getByRole('combobox', { name: 'Buscar en el centro de ayuda' });
  await box.fill('clave partner');
  await page.getByRole('listbox').waitFor({ state: 'visible' });
  await Promise.all([page.waitForURL((u) => u.pathname === '/search'), box.press('Enter')]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('q'), 'clave partner');
  assert.equal(url.searchParams.get('locale'), 'es');
  await page.locator('.search-results .hit').first().waitFor();
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});

test('without JavaScript the search box submits to /search', async () => {
  const page = await newPage(browser, server.base, { javaScriptEnabled: false });
  await page.goto('/es/articles/clave-de-partner/');
  const box = page.getByRole('searchbox', { name: 'Buscar en el centro de ayuda' });
  await box.fill('horario de atencion');
  await Promise.all([page.waitForURL((u) => u.pathname === '/search'), box.press('Enter')]);
  assert.equal(await page.locator('.search-results .hit-title a').first().textContent(), 'Horario de atención');
  await page.context().close();
});

test('results page: hits, highlighted snippets, category counts; axe finds no violations', async () => {
  const page = await newPage(browser, server.base);
  await page.goto('/search?q=ticket&locale=es');
  assert.equal(await page.locator('html').getAttribute('lang'), 'es');
  const hits = page.locator('.search-results .hit');
  assert.ok((await hits.count()) > 1, 'expected several hits for "ticket"');
  assert.ok((await page.locator('.search-results mark').count()) > 0, 'snippets are highlighted');
  assert.match(await page.locator('.results-count').textContent(), /\d+ resultados/);
  const violations = await axe(page);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
  await page.context().close();
});

test('results page: nothing found suggests opening a ticket; axe finds no violations', async () => {
  const page = await newPage(browser, server.base);
  await page.goto('/search?q=zzqxw+wqxzz&locale=es');
  await page.locator('.empty-state').waitFor();
  const link = page.locator('.empty-state a[href="/es/tickets/new/"]');
  assert.equal(await link.count(), 1);
  const violations = await axe(page);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
  await page.context().close();
});

test('results page: a corrected query and words no article holds are said; axe finds no violations', async () => {
  const page = await newPage(browser, server.base);
  await page.goto('/search?q=horaro+de+atencion+impresora&locale=es');
  const notices = page.locator('.search-notices');
  assert.equal(
    (await notices.locator('.search-corrected').textContent()).trim(),
    'Mostrando resultados para horario de atencion impresora',
  );
  assert.match(
    await notices.locator('.search-partial').textContent(),
    /Resultados para algunas de tus palabras:\s+horario,\s+atencion\.\s+Ningún artículo contiene:\s+impresora/,
  );
  assert.equal(await page.locator('.search-results .hit-title a').first().textContent(), 'Horario de atención');
  assert.match(await page.locator('.search-results .hit-missing').first().textContent(), /No incluye:\s+impresora/);
  const violations = await axe(page);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

  // "Buscar en su lugar …" searches the words as typed: no correction, the typo is not found.
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('exact') === '1'),
    page.getByRole('link', { name: 'Buscar en su lugar horaro de atencion impresora' }).click(),
  ]);
  assert.equal(await page.locator('.search-corrected').count(), 0);
  assert.match(await page.locator('.search-partial').textContent(), /Ningún artículo contiene:\s+horaro,\s+impresora/);
  await page.context().close();
});

test('results page: switching language keeps the query', async () => {
  const page = await newPage(browser, server.base);
  await page.goto('/search?q=ticket&locale=es');
  await page.locator('.locale-switcher summary').click();
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('locale') === 'en'),
    page.locator('.locale-switcher a[hreflang="en"]').click(),
  ]);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('q'), 'ticket');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.getByRole('combobox', { name: 'Search the help center' }).inputValue(), 'ticket');
  assert.ok((await page.locator('.search-results .hit').count()) > 0, 'English results for the same query');
  assert.match(await page.locator('h1').textContent(), /ticket/);
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});
