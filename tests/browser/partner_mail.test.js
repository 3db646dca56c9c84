// Issue 15, item 1: the partner hears back by mail. A partner opens a ticket with a copy to a
// colleague; the reception mail reaches the SMTP sink (partner and CC); the team resolves the
// ticket from the command line; the partner follows the resolution mail's "Sigue el problema"
// link to the status page (opening it changes nothing) and reopens the ticket there. axe on
// each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.js';
import { startSmtp } from './lib/smtp.js';
import { launch, newPage, noViolations } from './lib/browser.js';
import { openTicket } from './lib/ticket_form.js';

let server, browser, smtp;
before(async () => {
  smtp = await startSmtp();
  server = await startServer({
    support: [
      '  partner_key_required: true',
      '  targets:',
      '    - {kind: jsonl, path: deliveries.jsonl}',
      `    - {kind: email, smtp_host: 127.0.0.1, smtp_port: ${smtp.port}, smtp_security: none, from: help-center@example.org, to: [desk@example.org]}`,
      '  partner_email: {enabled: true, reply_to: support@example.org}',
      '',
    ].join('\n'),
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
});

const tickets = (...args) =>
  server.json(['tickets', ...args, '--root', server.root, '--data', server.data, '--json']);

/** The link of the line starting with `label` in a mail's text, on the test's service: the
 * site's base_url is help.example.org, the service listens on a local port. */
function link(text, label) {
  const line = text.split('\n').find((l) => l.startsWith(label));
  assert.ok(line, `no "${label}" line in:\n${text}`);
  const url = new URL(line.slice(label.length).trim());
  return url.pathname + url.search + url.hash;
}

test('reception mail with CC, resolution mail, "Sigue el problema" reopens on the status page', async () => {
  const page = await newPage(browser, server.base);
  const ref = await openTicket(page, server.key, {
    cc: 'lead@partner.example.org',
    beforeSend: (p) => noViolations(p, 'form with a CC'),
  });
  assert.equal((await page.locator('.ticket-cc').textContent()).trim(), 'lead@partner.example.org');

  const received = await smtp.waitFor(
    (m) => m.rcpt.includes('ana@partner.example.org') && m.header('message-id') === `<${ref}.partner@ayuda.tickets>`,
    'reception mail',
  );
  assert.deepEqual(received.rcpt, ['ana@partner.example.org', 'lead@partner.example.org']);
  assert.equal(received.header('reply-to'), 'support@example.org');
  assert.match(received.text(), new RegExp(`Número de referencia: ${ref}`));

  tickets('ack', ref);
  tickets('resolve', ref, '--note', 'Regeneramos el informe; ya se puede descargar.', '--public');
  const resolved = await smtp.waitFor(
    (m) => m.rcpt.includes('ana@partner.example.org') && m.header('in-reply-to') === `<${ref}.partner@ayuda.tickets>`,
    'resolution mail',
  );
  const text = resolved.text();
  assert.match(text, /Regeneramos el informe; ya se puede descargar\./);

  // Following the link shows the question; nothing changed by opening it.
  await page.goto(link(text, '- Sigue el problema:'));
  await page.getByRole('heading', { name: '¿Se resolvió tu problema?' }).waitFor();
  assert.equal(tickets('show', ref).status, 'resolved');
  await noViolations(page, 'status page from the resolution mail');
  await page.getByLabel('Qué sigue fallando (opcional)').fill('El informe sigue vacío para marzo.');
  const [answered] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/tickets/status/confirm'),
    page.getByRole('button', { name: 'Sigue el problema' }).click(),
  ]);
  assert.equal(answered.status(), 303);
  await page.locator('.ticket-status[data-status="reopened"]').waitFor();
  await noViolations(page, 'status page of the reopened ticket');
  const shown = tickets('show', ref);
  assert.equal(shown.status, 'reopened');
  assert.deepEqual(page.jsErrors, []);
  assert.deepEqual(page.cspViolations, []);
  await page.context().close();
});
