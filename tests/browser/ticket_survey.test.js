// Issue 15, item 4 and the form's attachments: a partner opens a ticket with a screenshot
// attached, reaches the thank-you page and the status page; once the team resolves and the
// partner confirms, the status page offers the satisfaction survey, which the partner answers
// (a radio group with a legend, scores in words) and then sees on the status page. The team's
// delivery links the screenshot through a signed download. axe on each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer } from './lib/server.js';
import { launch, newPage, noViolations } from './lib/browser.js';
import { openTicket } from './lib/ticket_form.js';

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

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

test('form with an attachment, thank-you page, status page, survey', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ayuda-survey-'));
  const screenshot = join(dir, 'captura del panel.png');
  writeFileSync(screenshot, PNG);

  const page = await newPage(browser, server.base);
  const ref = await openTicket(page, server.key, {
    beforeSend: async (formPage) => {
      await formPage.getByLabel('Archivos adjuntos (opcional)').setInputFiles(screenshot);
      await noViolations(formPage, 'ticket form with a file');
    },
  });
  await noViolations(page, 'thank-you page');

  const shown = server.json(['tickets', 'show', ref, '--json', '--data', server.data]);
  assert.equal(shown.ticket.attachments.length, 1);
  assert.equal(shown.ticket.attachments[0].name, 'captura del panel.png');
  assert.equal(shown.ticket.attachments[0].content_type, 'image/png');
  // The JSONL delivery (the default target) carries the signed download link, which serves
  // the same bytes.
  const jsonl = join(server.data, 'deliveries.jsonl');
  let line;
  for (let i = 0; i < 50 && !line; i++) {
    try {
      line = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map(JSON.parse)
        .find((l) => l.ticket.id === ref && l.event === 'ticket.created');
    } catch { /* not written yet */ }
    if (!line) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(line, `the reception was delivered to ${jsonl}`);
  const url = new URL(line.attachments[0].url);
  const res = await fetch(server.base + url.pathname + url.search);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition'), /^attachment;/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);

  await page.locator('a.ticket-status-link').click();
  await page.waitForURL((u) => u.pathname === '/tickets/status');
  const statusUrl = page.url();
  tickets('ack', ref);
  tickets('resolve', ref);
  await page.goto(statusUrl);
  await page.getByRole('button', { name: 'Está resuelto' }).click();
  await page.locator('.ticket-status[data-status="closed"]').waitFor();
  await noViolations(page, 'status page of a closed ticket');

  await page.getByRole('link', { name: /Cuéntanos cómo valoras la ayuda/ }).click();
  await page.waitForURL((u) => u.pathname === '/tickets/survey');
  await page.getByRole('heading', { level: 1, name: 'Encuesta de satisfacción' }).waitFor();
  const group = page.getByRole('group', { name: 'Tu valoración' });
  assert.equal(await group.getByRole('radio').count(), 5);
  await noViolations(page, 'survey');
  await group.getByRole('radio', { name: '4 — Satisfecho' }).check();
  await page.getByLabel('Comentario (opcional)').fill('Rápido y claro.');
  const [answered] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/tickets/survey'),
    page.getByRole('button', { name: 'Enviar respuesta' }).click(),
  ]);
  assert.equal(answered.status(), 303);
  await page.getByText('¡Gracias por tu respuesta!').waitFor();
  await page.locator('.survey-answer').getByText('4 de 5 — Satisfecho').waitFor();
  await noViolations(page, 'survey answered');

  await page.getByRole('link', { name: 'Ver el estado del ticket' }).click();
  await page.waitForURL((u) => u.pathname === '/tickets/status');
  await page.getByText('Tu valoración:').waitFor();
  await noViolations(page, 'status page with the answer');
  const after = server.json(['tickets', 'show', ref, '--json', '--data', server.data]);
  assert.equal(after.survey.score, 4);
  assert.equal(after.events[after.events.length - 1].action, 'rate');
  assert.deepEqual(page.jsErrors, []);
  assert.deepEqual(page.cspViolations, []);
  await page.context().close();
});
