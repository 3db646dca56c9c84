// Issue 11, item 9: the service's security headers in a real browser. Every page kind of the
// default theme runs under the Content-Security-Policy with no violation reported; ticket
// pages refuse to be framed; answers that may echo a partner key are not stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { launch, newPage } from './lib/browser.js';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const PAGES = [
  '/es/',
  '/es/articles/clave-de-partner/',
  '/search?q=clave&locale=es',
  '/es/tickets/new/',
  '/en/',
  '/nowhere/',
];

test('every page kind runs under the Content-Security-Policy without a violation', async () => {
  const page = await newPage(browser, server.base);
  for (const url of PAGES) {
    const res = await page.goto(url);
    const h = res.headers();
    assert.match(h['content-security-policy'] || '', /script-src 'self'/, `${url}: CSP`);
    assert.doesNotMatch(h['content-security-policy'], /unsafe-inline/, `${url}: no inline script or style`);
    assert.equal(h['x-content-type-options'], 'nosniff', url);
    assert.equal(h['referrer-policy'], 'same-origin', url);
    // the theme's script ran (the search box became a combobox) under the policy
    await page.locator('[role="combobox"]').first().waitFor({ state: 'attached' });
  }
  // The ticket form's script (time token, suggestions) works under the policy too.
  await page.goto('/es/tickets/new/');
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await page.getByLabel('Asunto').pressSequentially('Perdí la clave de partner', { delay: 10 });
  await page.locator('#suggestions a').first().waitFor();
  assert.deepEqual(page.cspViolations, [], 'no CSP violation reported');
  assert.deepEqual(page.jsErrors.filter((e) => !e.startsWith('404 ')), []);
  await page.context().close();
});

test('ticket pages refuse to be framed; ticket answers are not stored', async () => {
  const page = await newPage(browser, server.base);
  const form = await page.goto('/es/tickets/new/');
  assert.match(form.headers()['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(form.headers()['x-frame-options'], 'DENY');
  const article = await page.goto('/es/articles/clave-de-partner/');
  assert.doesNotMatch(article.headers()['content-security-policy'], /frame-ancestors/, 'articles may be embedded');
  // A page of another site framing the form gets nothing.
  await page.route('http://other.example.org/', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<iframe src="${server.base}/es/tickets/new/"></iframe>`,
  }));
  await page.goto('http://other.example.org/');
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const framed = frame ? await frame.evaluate(() => document.querySelector('form.ticket-form') !== null).catch(() => false) : false;
  assert.equal(framed, false, 'the form does not render inside another site');
  // A refused form post comes back with what was typed: never cached.
  const res = await page.request.post(`${server.base}/api/tickets`, {
    form: { name: 'Ana', partner_key: server.key, locale: 'es' },
    headers: { origin: server.base },
  });
  assert.equal(res.status(), 422);
  assert.equal(res.headers()['cache-control'], 'no-store');
  await page.context().close();
});
