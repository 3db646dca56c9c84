// Issue 15, items 2 and 3: a partner follows the ticket. From the form to the thank-you page,
// the status link opens the status page (status and deadline in the partner's language, no
// JavaScript needed); the team resolves the ticket from the command line; the partner answers
// "Está resuelto" and the ticket closes as the partner. The lookup form (reference and key)
// leads to the same page. axe on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { fillTicketForm, launch, newPage, noViolations } from './lib/browser.js';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const tickets = (...args) =>
  server.json(['tickets', ...args, '--root', server.root, '--data', server.data, '--json']);

test('form, thank-you page, status link, resolution, "it is solved"', async () => {
  const page = await newPage(browser, server.base);
  await fillTicketForm(page, server.key);
  await page.getByRole('button', { name: 'Enviar ticket' }).click();
  await page.waitForURL((u) => u.pathname === '/tickets/thanks');
  const ref = (await page.locator('.ticket-ref').textContent()).trim();

  await page.locator('a.ticket-status-link').click();
  await page.waitForURL((u) => u.pathname === '/tickets/status');
  await page.getByRole('heading', { level: 1, name: 'Estado de tu ticket' }).waitFor();
  assert.equal((await page.locator('.ticket-ref').textContent()).trim(), ref);
  assert.equal((await page.locator('.ticket-status').textContent()).trim(), 'Recibido');
  assert.equal(await page.getByRole('button', { name: 'Está resuelto' }).count(), 0, 'not resolved yet');
  await noViolations(page, 'status page');
  const statusUrl = page.url();

  tickets('ack', ref);
  tickets('note', ref, '--note', 'Regeneramos el informe; ya se puede descargar.', '--public');
  tickets('resolve', ref);
  await page.goto(statusUrl);
  assert.equal((await page.locator('.ticket-status').textContent()).trim(), 'Resuelto');
  await page.getByText('Regeneramos el informe; ya se puede descargar.').waitFor();
  await noViolations(page, 'status page of a resolved ticket');

  const [confirmed] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/tickets/status/confirm'),
    page.getByRole('button', { name: 'Está resuelto' }).click(),
  ]);
  assert.equal(confirmed.status(), 303, 'the page\'s own post passes the origin check');
  await page.locator('.ticket-status[data-status="closed"]').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Está resuelto' }).count(), 0);
  const shown = server.json(['tickets', 'show', ref, '--json', '--data', server.data]);
  assert.equal(shown.status, 'closed');
  const last = shown.events[shown.events.length - 1];
  assert.deepEqual([last.action, last.actor], ['close', 'partner']);
  assert.deepEqual(page.jsErrors, []);
  assert.deepEqual(page.cspViolations, []);

  // Without JavaScript the page is the same page.
  const plain = await newPage(browser, server.base, { javaScriptEnabled: false });
  await plain.goto(statusUrl);
  assert.equal((await plain.locator('.ticket-ref').textContent()).trim(), ref);
  await plain.context().close();

  // The lookup form leads to the same page; a wrong key does not.
  await page.goto('/tickets/status');
  await noViolations(page, 'lookup form');
  await page.getByLabel('Referencia').fill(ref);
  await page.getByLabel('Clave de la empresa').fill('ayk_WRONG000_NOTAKEY');
  await page.getByRole('button', { name: 'Ver el estado' }).click();
  await page.getByRole('alert').getByText(/No encontramos un ticket/).waitFor();
  await noViolations(page, 'lookup form with an error');
  await page.getByLabel('Clave de la empresa').fill(server.key);
  await page.getByRole('button', { name: 'Ver el estado' }).click();
  await page.waitForURL(statusUrl);
  await page.context().close();
});
