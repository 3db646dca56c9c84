// Issue 14, item 2: an agent acts from a notification. A Slack-style action link (the URL a
// Slack button or a webhook's `links.ack` carries) opens the confirmation page; opening it
// changes nothing; the agent confirms; the ticket is acknowledged as the link's contact. Both
// pages pass axe and run under the Content-Security-Policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
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

async function noViolations(page, what) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

/** Files a technical ticket through the JSON API; its reference. */
async function fileTicket() {
  const res = await fetch(`${server.base}/api/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.key}` },
    body: JSON.stringify({
      name: 'Ana Pérez', email: 'ana@example.com', type: 'technical', locale: 'es',
      subject: 'El reproductor no carga', description: 'Desde ayer el reproductor falla con un error 500.',
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).id;
}

/** The delivered reception of `ref` (the example site's JSONL target), once the worker wrote it. */
async function delivered(ref) {
  const file = path.join(server.data, 'deliveries.jsonl');
  const start = Date.now();
  for (;;) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    const line = lines.map((l) => JSON.parse(l)).find((d) => d.ticket.id === ref && d.event === 'ticket.created');
    if (line) return line;
    assert.ok(Date.now() - start < 20000, `no delivery of ${ref} in ${file}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const show = (ref) => server.json(['tickets', 'show', ref, '--json', '--data', server.data]);

test('an action link opens the confirmation page, and confirming acknowledges the ticket', async () => {
  const ref = await fileTicket();
  const { links } = await delivered(ref);
  assert.deepEqual(Object.keys(links), ['ack', 'escalate']);
  // The link points at the site's base_url; the test service listens elsewhere.
  const link = new URL(links.ack);
  assert.equal(link.pathname, '/tickets/act');
  const url = `${server.base}${link.pathname}${link.search}`;

  const page = await newPage(browser, server.base);
  const opened = await page.goto(url);
  assert.equal(opened.status(), 200);
  await page.getByRole('heading', { level: 1, name: 'Confirmar la primera respuesta' }).waitFor();
  assert.equal(await page.locator('.ticket-ref').textContent(), ref);
  assert.match(await page.locator('main').textContent(), /El reproductor no carga/);
  await noViolations(page, 'confirmation page');
  assert.equal(show(ref).status, 'received', 'opening the link changes nothing');

  await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/tickets/act'),
    page.getByRole('button', { name: 'Confirmar' }).click(),
  ]);
  await page.getByRole('status').getByText('Listo: el ticket quedó respondido.').waitFor();
  await noViolations(page, 'confirmation result');

  const after = show(ref);
  assert.equal(after.status, 'acknowledged');
  assert.equal(after.events.length, 1);
  assert.equal(after.events[0].event, 'ticket.acknowledged');
  assert.equal(after.events[0].actor, 'operations-manager');
  assert.ok(after.first_response_at);

  // The same link again: a clear message, no button, nothing changed.
  await page.goto(url);
  await page.getByRole('alert').getByText(/No se cambió nada/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Confirmar' }).count(), 0);
  assert.deepEqual(page.jsErrors, []);
  assert.deepEqual(page.cspViolations, []);
  await page.context().close();
});
