// Issue 4, item 11: the ticket form in a browser — key, suggestions while typing, thank-you
// page with the reference and deadline, field errors with values kept — and axe checks of the
// form, its error state, the thank-you page and an article page.
// Issue 11, item 9: the service's security headers. Every page kind of the default theme runs
// under the Content-Security-Policy with no violation reported; ticket pages refuse to be
// framed; answers that may echo a partner key are not stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { launch, newPage, noViolations } from './lib/browser.js';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const FORM = '/es/tickets/new/';
const ARTICLE = '/es/articles/clave-de-partner/';

/** Opens the form the way a partner does: from an article's "still need help?" box. */
async function openFormFromArticle(page) {
  await page.goto(ARTICLE);
  await Promise.all([
    page.waitForURL((u) => u.pathname === FORM),
    page.locator('.need-help a').click(),
  ]);
  // the script has fetched a time-trap token
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
}

async function fill(page, { email = 'ana@example.com', key = server.key } = {}) {
  await page.getByLabel('Nombre y apellido').fill('Ana Pérez');
  await page.getByLabel('Correo electrónico').fill(email);
  await page.getByLabel('Empresa (partner)').fill('Partner TV');
  await page.getByLabel('Clave de partner').fill(key);
  await page.getByLabel('Tipo de ticket').selectOption('technical');
}

const hidden = (page, name) => page.locator(`form.ticket-form input[name="${name}"]`).inputValue();

test('ticket form: suggestions while typing, submit with a key, reference and deadline', async () => {
  const page = await newPage(browser, server.base);
  await openFormFromArticle(page);
  assert.equal(await hidden(page, 'page'), ARTICLE, 'the page the partner came from travels');
  assert.equal(await hidden(page, 'tz'), 'America/Bogota');
  assert.match(await hidden(page, 'form_ts'), /^v1\.\d+\.[0-9a-f]+$/);

  await fill(page);
  // Typing the subject shows articles that may answer the question (deflection).
  const subject = 'Perdí la clave de partner';
  const answered = page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === '/api/suggest' && u.searchParams.get('q') === subject;
  });
  await page.getByLabel('Asunto').pressSequentially(subject, { delay: 15 });
  await answered;
  const suggestion = page.locator('#suggestions a', { hasText: 'Tu clave de partner' });
  await suggestion.waitFor();
  assert.equal(await page.locator('#suggestions h2').textContent(), 'Artículos que podrían ayudarte');
  const count = await page.locator('#suggestions li').count();
  assert.equal(await page.locator('[data-suggestions-status]').textContent(), `Artículos que podrían ayudarte: ${count}`);
  assert.ok((await hidden(page, 'suggested')).split(',').includes('partner-key'));
  // Opening a suggestion (new tab) is recorded.
  const [popup] = await Promise.all([page.waitForEvent('popup'), suggestion.click()]);
  await popup.waitForLoadState();
  assert.equal(new URL(popup.url()).pathname, ARTICLE);
  await popup.close();
  assert.equal(await hidden(page, 'opened'), 'partner-key');
  await page.getByLabel('Descripción').fill('La clave que nos dieron no funciona al abrir un ticket desde el panel.');
  await noViolations(page, 'ticket form with suggestions');

  await Promise.all([
    page.waitForURL((u) => u.pathname === '/tickets/thanks'),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  assert.equal(await page.locator('h1').textContent(), 'Recibimos tu ticket');
  const ref = (await page.locator('.ticket-ref').textContent()).trim();
  assert.match(ref, /^T-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  const due = page.locator('.ticket-summary time.ticket-due');
  const dueText = (await due.textContent()).trim();
  const dueIso = await due.getAttribute('datetime');
  assert.ok(dueText.length > 0, 'the promised response time is shown');
  assert.match(dueIso, /-05:00$/, 'shown in the partner\'s zone (America/Bogota)');
  assert.equal(new URL(page.url()).searchParams.get('tz'), 'America/Bogota');

  // The queue has the ticket with what the browser sent, and the deadline shown is the one
  // the business calendar gives for its reception instant.
  const { ticket } = server.json(['tickets', 'show', ref, '--json', '--data', server.data]);
  assert.equal(ticket.type, 'technical');
  assert.equal(ticket.partner_key, 'Partner');
  assert.equal(ticket.page, ARTICLE);
  assert.equal(ticket.locale, 'es');
  assert.ok(ticket.suggested.includes('partner-key'));
  assert.deepEqual(ticket.opened, ['partner-key']);
  const sla = server.json(['sla', '--type', 'technical', '--at', ticket.created, '--root', server.root, '--json']);
  const seconds = (iso) => Math.floor(Date.parse(iso) / 1000); // the page shows whole seconds
  assert.equal(seconds(dueIso), seconds(sla.first_response_target));
  assert.equal(seconds(dueIso), seconds(ticket.deadlines.first_response_target));
  await noViolations(page, 'thank-you page');

  // The key is not kept where the site's scripts (article HTML included) could read it.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.ok(!stored.includes(server.key), `the partner key is not stored by the page: ${stored}`);
  await page.goto(FORM);
  assert.equal(await page.getByLabel('Clave de partner').inputValue(), '');
  assert.deepEqual(page.jsErrors, []);
  assert.deepEqual(page.cspViolations, []);
  await page.context().close();
});

test('ticket form: a bad email comes back next to the field, values kept, then goes through', async () => {
  const page = await newPage(browser, server.base);
  await openFormFromArticle(page);
  await fill(page, { email: 'ana@empresa' }); // valid for the browser, not for the service
  await page.getByLabel('Asunto').fill('Error al exportar el informe');
  await page.getByLabel('Descripción').fill('Desde ayer el informe de ventas no se exporta.');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/tickets')),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  // post/redirect/get: the form again at its own address, by GET
  assert.equal(response.status(), 303);
  await page.waitForURL((u) => u.pathname === '/tickets/form');

  const email = page.getByLabel('Correo electrónico');
  const error = page.locator('#ticket-email-error');
  assert.match(await error.textContent(), /dirección de correo válida/);
  assert.equal(await email.getAttribute('aria-invalid'), 'true');
  assert.ok((await email.getAttribute('aria-describedby')).split(' ').includes('ticket-email-error'));
  // the message sits next to its field, in the same field group
  assert.equal(await page.locator('.field.has-error').filter({ has: email }).locator('.field-error').count(), 1);
  // summary at the top, focused, linking to the field
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
  assert.equal(await page.locator('#error-summary a[href="#ticket-email"]').count(), 1);
  assert.equal(await page.locator('.field.has-error').count(), 1, 'only the email is wrong');
  // what was typed is kept
  assert.equal(await email.inputValue(), 'ana@empresa');
  assert.equal(await page.getByLabel('Nombre y apellido').inputValue(), 'Ana Pérez');
  assert.equal(await page.getByLabel('Empresa (partner)').inputValue(), 'Partner TV');
  assert.equal(await page.getByLabel('Clave de partner').inputValue(), '', 'the key is a secret: not kept');
  assert.equal(await page.getByLabel('Tipo de ticket').inputValue(), 'technical');
  assert.equal(await page.getByLabel('Asunto').inputValue(), 'Error al exportar el informe');
  assert.equal(await page.getByLabel('Descripción').inputValue(), 'Desde ayer el informe de ventas no se exporta.');
  assert.equal(await hidden(page, 'page'), ARTICLE);
  assert.match(await hidden(page, 'form_ts'), /^v1\./);
  await noViolations(page, 'ticket form with an error');

  await email.fill('ana@empresa.com');
  await page.getByLabel('Clave de partner').fill(server.key);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/tickets/thanks'),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  assert.match(await page.locator('.ticket-ref').textContent(), /^T-/);
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});

test('ticket form: a wrong key is refused next to the key field', async () => {
  const page = await newPage(browser, server.base);
  await page.goto(FORM);
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await fill(page, { key: 'ayk_WRONG000_NOTAKEY' });
  await page.getByLabel('Asunto').fill('Pregunta sobre facturación');
  await page.getByLabel('Descripción').fill('¿Dónde consulto las facturas del último trimestre?');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  assert.equal(response.status(), 303);
  await page.locator('#ticket-partner_key-error').waitFor();
  assert.equal(await page.getByLabel('Clave de partner').inputValue(), '', 'a refused key is not echoed');
  assert.equal(await page.getByLabel('Correo electrónico').inputValue(), 'ana@example.com');
  await page.context().close();
});

test('without JavaScript the form posts, asks once to confirm, then gets the thank-you page', async () => {
  const page = await newPage(browser, server.base, { javaScriptEnabled: false });
  await page.goto(FORM);
  assert.equal(await hidden(page, 'form_ts'), '', 'the static page has no token');
  await fill(page);
  await page.getByLabel('Asunto').fill('Consulta sobre el catálogo');
  await page.getByLabel('Descripción').fill('Faltan títulos del catálogo desde el lunes.');
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  // The service shows the form again with a fresh token and what was typed.
  await page.locator('#error-summary').waitFor();
  assert.match(await hidden(page, 'form_ts'), /^v1\./);
  assert.equal(await page.getByLabel('Asunto').inputValue(), 'Consulta sobre el catálogo');
  await page.getByLabel('Clave de partner').fill(server.key); // a secret: never sent back
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/tickets/thanks'),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  assert.match(await page.locator('.ticket-ref').textContent(), /^T-/);
  await page.context().close();
});

test('a filled honeypot is refused with a themed page that leads back to the form', async () => {
  const page = await newPage(browser, server.base);
  await page.goto(FORM);
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await fill(page);
  await page.getByLabel('Asunto').fill('Oferta increíble');
  await page.getByLabel('Descripción').fill('Texto de un robot que rellena todos los campos.');
  await page.locator('#ticket-website').evaluate((el) => { el.value = 'https://spam.example'; });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  assert.equal(response.status(), 400);
  await page.waitForLoadState();
  assert.equal(await page.locator('h1').textContent(), 'No pudimos enviar tu ticket');
  assert.equal(await page.locator('.thanks-refused a[href="/es/tickets/new/"]').count(), 1);
  await noViolations(page, 'refusal page');
  await page.context().close();
});

test('axe: ticket form and article page have no violations', async () => {
  const page = await newPage(browser, server.base);
  await page.goto(FORM);
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await noViolations(page, 'ticket form');
  await page.goto(ARTICLE);
  await noViolations(page, 'article page');
  await page.goto('/es/');
  await noViolations(page, 'home page');
  assert.deepEqual(page.jsErrors, []);
  await page.context().close();
});

const PAGES = [
  '/es/',
  ARTICLE,
  '/search?q=clave&locale=es',
  FORM,
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
  await page.goto(FORM);
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await page.getByLabel('Asunto').pressSequentially('Perdí la clave de partner', { delay: 10 });
  await page.locator('#suggestions a').first().waitFor();
  assert.deepEqual(page.cspViolations, [], 'no CSP violation reported');
  assert.deepEqual(page.jsErrors.filter((e) => !e.startsWith('404 ')), []);
  await page.context().close();
});

test('ticket pages refuse to be framed; ticket answers are not stored', async () => {
  const page = await newPage(browser, server.base);
  const form = await page.goto(FORM);
  assert.match(form.headers()['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(form.headers()['x-frame-options'], 'DENY');
  const article = await page.goto(ARTICLE);
  assert.doesNotMatch(article.headers()['content-security-policy'], /frame-ancestors/, 'articles may be embedded');
  // A page of another site framing the form gets nothing.
  await page.route('http://other.example.org/', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<iframe src="${server.base}${FORM}"></iframe>`,
  }));
  await page.goto('http://other.example.org/');
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const framed = frame ? await frame.evaluate(() => document.querySelector('form.ticket-form') !== null).catch(() => false) : false;
  assert.equal(framed, false, 'the form does not render inside another site');
  // A refused form post goes to the form again, which comes back with what was typed: neither
  // is cached.
  const res = await page.request.post(`${server.base}/api/tickets`, {
    form: { name: 'Ana', partner_key: server.key, locale: 'es' },
    headers: { origin: server.base },
    maxRedirects: 0,
  });
  assert.equal(res.status(), 303);
  assert.equal(res.headers()['cache-control'], 'no-store');
  const again = await page.request.get(`${server.base}${res.headers().location}`);
  assert.equal(again.status(), 200);
  assert.equal(again.headers()['cache-control'], 'no-store');
  assert.ok(!(await again.text()).includes(server.key), 'the key is not echoed');
  await page.context().close();
});
