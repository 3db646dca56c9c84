// Writer mode in a browser (docs/serve.md, "Live reload"): `ayuda serve --root` on a copy of the
// example site while the test saves Markdown files. An open article reloads by itself and keeps
// its scroll position; broken front matter shows the error overlay over the last good page until
// it is fixed; a save does not reload pages it did not change; the service still stops on
// SIGTERM while a page listens for reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { startWriter } from './lib/server.js';
import { launch, newPage } from './lib/browser.js';

let writer, browser;
before(async () => {
  writer = await startWriter();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await writer?.stop();
});

const ARTICLE = '/es/articles/clave-de-partner/';
const SOURCE = 'content/es/getting-started/clave-de-partner.md';
// Another category: a save of ARTICLE's body touches neither its listings nor its neighbours.
const OTHER = '/es/articles/errores-de-la-api/';
const SCROLL_KEY = (path) => `ayuda-live-scroll:${path}`;

const source = () => writer.file(SOURCE);
const read = () => fs.readFile(source(), 'utf8');
const marker = (what) => `Marcador ${what} ${process.pid}-${Date.now()}`;

/**
 * Opens `path` with the live events recorded in `window.__live` (the page's own EventSource,
 * wrapped before any script runs) and its document loads counted in `page.loads`; resolves once
 * the live script is connected (`hello` received), so no save can slip in before it listens.
 */
async function openLive(path) {
  const page = await newPage(browser, writer.base);
  await page.addInitScript(() => {
    // Only the live script's own restore may keep the scroll position, not the browser's.
    history.scrollRestoration = 'manual';
    window.__live = [];
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(...args) {
        super(...args);
        for (const type of ['hello', 'reload', 'status']) {
          this.addEventListener(type, (e) => window.__live.push({ type, data: JSON.parse(e.data) }));
        }
      }
    };
  });
  page.loads = 0;
  page.on('load', () => page.loads++);
  await page.goto(path);
  await page.waitForFunction(() => window.__live.some((e) => e.type === 'hello'));
  return page;
}

/** Waits for the next document of `page` to have loaded and painted. */
async function settled(page) {
  await page.waitForFunction(() => document.readyState === 'complete');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test('live reload: saving an article reloads its open page at the same scroll position', async () => {
  const page = await openLive(ARTICLE);
  const text = marker('de recarga');
  const added = page.getByText(text);
  assert.equal(await added.count(), 0, 'the new paragraph is not there before the save');

  const room = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
  assert.ok(room > 1000, `the article must be tall enough to scroll (${room} px to scroll)`);
  await page.evaluate(() => {
    window.scrollTo(0, 900);
    window.__beforeSave = true;
  });
  await page.waitForFunction(() => Math.abs(window.scrollY - 900) < 1);
  const y = await page.evaluate(() => window.scrollY);

  await fs.writeFile(source(), `${await read()}\n${text}\n`);
  await added.waitFor();
  await settled(page);

  const after = await page.evaluate((key) => ({
    y: window.scrollY,
    old: window.__beforeSave ?? null,
    saved: sessionStorage.getItem(key),
  }), SCROLL_KEY(ARTICLE));
  assert.equal(after.old, null, 'a new document, not the old one patched');
  assert.equal(page.loads, 2, 'reloaded once');
  assert.ok(Math.abs(after.y - y) <= 5, `scroll position kept: ${y} before, ${after.y} after`);
  assert.equal(after.saved, null, 'the saved position is used once');
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});

test('live reload: broken front matter shows the overlay over the last good page until fixed', async () => {
  const page = await openLive(ARTICLE);
  const pages = [page];
  const overlay = page.locator('#ayuda-live-overlay');
  const good = await read();
  const title = good.match(/^title: (.*)$/m)[1];
  assert.equal(await page.locator('h1').first().textContent(), title);
  assert.equal(await overlay.count(), 0);

  // A second `: ` in a plain scalar: invalid YAML, reported on that line.
  const broken = good.replace(/^title: (.*)$/m, 'title: $1: rota');
  assert.notEqual(broken, good);
  const line = good.split('\n').findIndex((l) => l.startsWith('title:')) + 1;
  await fs.writeFile(source(), broken);
  try {
    // file:line:column, then the message and the code.
    const error = overlay.locator('li.ayuda-live-error', { hasText: `${SOURCE}:${line}:` });
    await error.waitFor();
    assert.match(await error.textContent(), /not valid YAML.*\[yaml-syntax\]$/);
    assert.equal(await overlay.getAttribute('role'), 'alert');
    const shown = await overlay.locator('li.ayuda-live-error').count();
    assert.equal(await page.locator('html').getAttribute('data-ayuda-errors'), String(shown));
    // The page is the last good build, not reloaded.
    assert.equal(await page.locator('h1').first().textContent(), title);
    assert.equal(page.loads, 1);

    // A page opened while the errors stand gets the last good build and the overlay at once.
    const late = await openLive(ARTICLE);
    pages.push(late);
    assert.equal(await late.locator('h1').first().textContent(), title);
    await late.locator('#ayuda-live-overlay li.ayuda-live-error', { hasText: `${SOURCE}:${line}:` }).waitFor();
  } catch (e) {
    await fs.writeFile(source(), good); // the next tests need a good article
    throw e;
  }

  // Fixed, with a new title: the overlay goes and the page shows the fix.
  const fixed = `${title} (revisado en vivo)`;
  await fs.writeFile(source(), good.replace(/^title: .*$/m, `title: ${fixed}`));
  for (const p of pages) {
    await p.locator('h1', { hasText: fixed }).waitFor();
    await settled(p);
    await p.locator('#ayuda-live-overlay').waitFor({ state: 'detached' });
    assert.equal(await p.locator('html').getAttribute('data-ayuda-errors'), null);
    assert.deepEqual(p.jsErrors, []);
    await p.context().close();
  }
});

test('live reload: a save does not reload pages it did not change', async () => {
  const article = await openLive(ARTICLE);
  const other = await openLive(OTHER);
  await other.evaluate(() => {
    window.__untouched = true;
  });
  const text = marker('solo aquí');
  await fs.writeFile(source(), `${await read()}\n${text}\n`);
  await article.getByText(text).waitFor();

  // The other page got the same reload event, which does not name it.
  const event = await (await other.waitForFunction(() => window.__live.find((e) => e.type === 'reload'))).jsonValue();
  assert.equal(event.data.all, false);
  assert.ok(event.data.changed.includes(ARTICLE), JSON.stringify(event.data));
  assert.ok(!event.data.changed.includes(OTHER), JSON.stringify(event.data));
  // The live script handled that event in the same dispatch as the recorder above: had it chosen
  // to reload, the scroll position would be saved for the reload, or the document replaced.
  const state = await other.evaluate((key) => [window.__untouched ?? null, sessionStorage.getItem(key)], SCROLL_KEY(OTHER));
  assert.deepEqual(state, [true, null]);
  assert.equal(other.loads, 1);
  assert.equal(await other.getByText(text).count(), 0);
  assert.deepEqual(article.jsErrors, []);
  assert.deepEqual(other.jsErrors, []);
  await article.context().close();
  await other.context().close();
});

test('live reload: the service stops on SIGTERM while a page listens for reloads', async () => {
  const page = await openLive(ARTICLE);
  assert.deepEqual(page.jsErrors, []);
  const stopped = await writer.stop();
  assert.deepEqual({ code: stopped.code, signal: stopped.signal }, { code: 0, signal: null }, writer.log());
  // The 10 s SIGKILL fallback of stop() was not needed.
  assert.ok(stopped.ms < 5000, `stopped after ${stopped.ms} ms`);
  await page.context().close();
});
