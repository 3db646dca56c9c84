// Issue 15, item 5: the ticket form where a partner's run broke it. A wrong key and a short
// subject show both errors in one round; after fixing them the partner lands on a thank-you
// page that names the target and the breach and the reply address; the back button after an
// error is not a cache-miss page; after a 429 the form still holds the description, in the
// form's language. axe on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { launch, newPage, noViolations } from './lib/browser.js';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const FORM = '/es/tickets/new/';

async function openForm(page) {
  await page.goto(FORM);
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
}

async function fill(page, { key, subject, description }) {
  await page.getByLabel('Nombre y apellido').fill('Ana Pérez');
  await page.getByLabel('Correo electrónico').fill('ana@partner.example.org');
  await page.getByLabel('Empresa (partner)').fill('Partner TV');
  await page.getByLabel('Clave de partner').fill(key);
  await page.getByLabel('Tipo de ticket').selectOption('operations');
  await page.getByLabel('Asunto').fill(subject);
  await page.getByLabel('Descripción').fill(description);
}

/** Sends the form; resolves to the status of the POST once the next page has loaded. */
async function send(page, path) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/tickets')),
    page.getByRole('button', { name: 'Enviar ticket' }).click(),
  ]);
  await page.waitForURL((u) => u.pathname === path);
  return response.status();
}

test('a wrong key and a short subject show both errors; fixed, the thank-you page is honest', async () => {
  const server = await startServer();
  try {
    const page = await newPage(browser, server.base);
    await openForm(page);
    const description = 'El informe mensual de consumo no se descarga desde el panel.';
    await fill(page, { key: 'ayk_WRONG000_NOTAKEY', subject: 'ab', description });
    assert.equal(await send(page, '/tickets/form'), 303, 'post/redirect/get');
    const url = new URL(page.url());
    assert.deepEqual([...url.searchParams.keys()].sort(), ['draft', 'locale'], 'no partner data in the address');
    // both errors in the same round, next to their fields and in the summary
    await page.locator('#error-summary').waitFor();
    assert.match(await page.locator('#ticket-partner_key-error').textContent(), /no es válida/);
    assert.match(await page.locator('#ticket-subject-error').textContent(), /al menos 3/);
    assert.equal(await page.locator('#error-summary li').count(), 2);
    assert.equal(await page.getByLabel('Descripción').inputValue(), description);
    assert.equal(await page.getByLabel('Clave de partner').inputValue(), '', 'the key is not echoed');
    await noViolations(page, 'form with two errors');

    // Reload: the same page again by GET (no resubmission prompt).
    await page.reload();
    assert.equal(await page.getByLabel('Descripción').inputValue(), description);

    await page.getByLabel('Clave de partner').fill(server.key);
    await page.getByLabel('Asunto').fill('Informe mensual');
    assert.equal(await send(page, '/tickets/thanks'), 303);
    const ref = (await page.locator('.ticket-ref').textContent()).trim();
    assert.match(ref, /^T-/);
    const { ticket } = server.json(['tickets', 'show', ref, '--json', '--data', server.data]);
    const seconds = (iso) => Math.floor(Date.parse(iso) / 1000);
    const due = await page.locator('time.ticket-due').getAttribute('datetime');
    const breach = await page.locator('time.ticket-breach').getAttribute('datetime');
    assert.equal(seconds(due), seconds(ticket.deadlines.first_response_target));
    assert.equal(seconds(breach), seconds(ticket.deadlines.first_response_breach));
    assert.ok(seconds(breach) > seconds(due), 'operations: target 2 h, breach 3 h');
    assert.match(await page.locator('.ticket-summary').textContent(), /A más tardar/);
    assert.equal((await page.locator('.ticket-email').textContent()).trim(), 'ana@partner.example.org');
    assert.equal(await page.locator('.need-help').count(), 0, 'no invitation to a second ticket');
    await noViolations(page, 'thank-you page');

    // Back: the draft page by GET (its draft forgotten: the empty form), never ERR_CACHE_MISS.
    const back = await page.goBack();
    assert.ok(back, 'there is a page to go back to');
    assert.equal(back.status(), 200);
    await page.locator('form.ticket-form').waitFor();
    assert.equal(new URL(page.url()).pathname, FORM);
    assert.deepEqual(page.jsErrors, []);
    assert.deepEqual(page.cspViolations, []);
    await page.context().close();
  } finally {
    await server.stop();
  }
});

test('after a 429 the form still holds the description, in the form\'s language', async () => {
  const server = await startServer({ env: { AYUDA_TICKETS_RATE_LIMIT: '1' } });
  try {
    // an English browser on the Spanish form
    const page = await newPage(browser, server.base, { locale: 'en-US' });
    await openForm(page);
    await fill(page, { key: server.key, subject: 'Primer ticket', description: 'El primero pasa: el límite es uno por minuto.' });
    assert.equal(await send(page, '/tickets/thanks'), 303);
    await openForm(page);
    const description = 'Una descripción larga que el partner no quiere volver a escribir.';
    await fill(page, { key: server.key, subject: 'Segundo ticket', description });
    assert.equal(await send(page, '/tickets/form'), 303);
    assert.match(await page.locator('#error-summary').textContent(), /Demasiados intentos/);
    assert.doesNotMatch(await page.locator('main').textContent(), /Too many/);
    assert.equal(await page.getByLabel('Descripción').inputValue(), description);
    assert.equal(await page.getByLabel('Asunto').inputValue(), 'Segundo ticket');
    await noViolations(page, 'form after a 429');
    await page.context().close();
  } finally {
    await server.stop();
  }
});
