// Issue 13, item 5: "Was this article helpful?" on an article page, with JavaScript (posted in
// place, thanks shown without leaving the page) and without (a plain form post answered by a
// 303 back to the article's #feedback-thanks), under the service's Content-Security-Policy and
// axe-clean in both states. Arriving from the search page, the article reports the open.
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

const ARTICLE = '/es/articles/clave-de-partner/';

async function noViolations(page, what) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

async function votes(helpful) {
  const text = await (await fetch(`${server.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('ayuda_feedback_total{') &&
    l.includes(`helpful="${helpful}"`) && l.includes('locale="es"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('with JavaScript: the vote is posted in place and the thanks replaces the form', async () => {
  const page = await newPage(browser, server.base);
  await page.goto(ARTICLE);
  const form = page.locator('form[data-feedback]');
  assert.equal(await page.getByRole('heading', { name: '¿Te resultó útil este artículo?' }).count(), 1);
  await noViolations(page, 'article with the feedback form');
  const before = await votes('no');
  await page.getByLabel('¿Qué estabas buscando? (opcional)').fill('No explica cómo recuperar la clave');
  const posted = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/feedback');
  await form.getByRole('button', { name: 'No' }).click();
  assert.equal((await posted).status(), 201);
  const thanks = page.locator('#feedback-thanks');
  await thanks.waitFor({ state: 'visible' });
  assert.equal(new URL(page.url()).pathname, ARTICLE, 'the page did not change');
  assert.equal(await form.isVisible(), false);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'feedback-thanks');
  assert.equal(await votes('no'), before + 1);
  await noViolations(page, 'article after the vote');
  assert.deepEqual(page.cspViolations, [], 'no CSP violation reported');
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});

test('without JavaScript: a plain form post comes back to the article with the thanks', async () => {
  const page = await newPage(browser, server.base, { javaScriptEnabled: false });
  await page.goto(ARTICLE);
  const before = await votes('yes');
  await Promise.all([
    page.waitForURL((u) => u.pathname === ARTICLE && u.hash === '#feedback-thanks'),
    page.locator('form[data-feedback]').getByRole('button', { name: 'Sí' }).click(),
  ]);
  await page.locator('#feedback-thanks').waitFor({ state: 'visible' });
  assert.equal(await page.locator('form[data-feedback]').isVisible(), false);
  assert.equal(await votes('yes'), before + 1);
  assert.deepEqual(page.cspViolations, []);
  await page.context().close();
  // axe needs script: check the same state (the thanks shown by :target) in a scripted page.
  const checked = await newPage(browser, server.base);
  await checked.goto(`${ARTICLE}#feedback-thanks`);
  await checked.locator('#feedback-thanks').waitFor({ state: 'visible' });
  await noViolations(checked, 'article with the thanks of a plain form post');
  await checked.context().close();
});

test('an article opened from the search page reports the open', async () => {
  const page = await newPage(browser, server.base);
  await page.goto('/search?q=clave+de+partner&locale=es');
  const reported = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/search/opened');
  await page.locator('.search-results .hit-title a').first().click();
  const res = await reported;
  assert.equal(res.status(), 204);
  assert.deepEqual(JSON.parse(res.request().postData()), { q: 'clave de partner', locale: 'es' });
  assert.deepEqual(page.cspViolations, []);
  await page.context().close();
});
