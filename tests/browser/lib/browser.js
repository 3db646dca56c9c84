// Debian's Chromium driven by playwright-core (no browser download), and axe-core checks.
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import fs from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export async function launch() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh context (own storage) with a Spanish browser and a fixed time zone. */
export async function newPage(browser, base, opts = {}) {
  const context = await browser.newContext({
    baseURL: base,
    locale: opts.locale || 'es-ES',
    timezoneId: opts.timezoneId || 'America/Bogota',
    reducedMotion: 'reduce',
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
  });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const errors = [];
  const csp = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // the browser reports what the Content-Security-Policy blocked on the console
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
    // failed loads are reported below with their URL
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  page.jsErrors = errors;
  page.cspViolations = csp;
  return page;
}

/**
 * Runs axe with its default rule set (WCAG 2.x A/AA and best practices), in the light and the
 * dark colour scheme; returns the violations, readable, tagged with the scheme.
 */
export async function axe(page) {
  const out = [];
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    // the emulated scheme reaches computed styles only with the next frames
    await page.waitForFunction((dark) => matchMedia('(prefers-color-scheme: dark)').matches === dark, colorScheme === 'dark');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const results = await new AxeBuilder({ page }).analyze();
    for (const v of results.violations) {
      out.push({
        scheme: colorScheme,
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
      });
    }
  }
  await page.emulateMedia({ colorScheme: null });
  return out;
}

/** Fails with the readable list when axe finds violations on `page` (`what` names the page). */
export async function noViolations(page, what) {
  const violations = await axe(page);
  if (violations.length) {
    throw new Error(`${what}: ${JSON.stringify(violations, null, 2)}`);
  }
}

/** Opens the Spanish ticket form, waits for its time-trap token and fills in a valid
 * "Informe mensual" ticket with the partner `key` (not sent). */
export async function fillTicketForm(page, key) {
  await page.goto('/es/tickets/new/');
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await page.getByLabel('Nombre y apellido').fill('Ana Pérez');
  await page.getByLabel('Correo electrónico').fill('ana@partner.example.org');
  await page.getByLabel('Empresa (partner)').fill('Partner TV');
  await page.getByLabel('Clave de partner').fill(key);
  await page.getByLabel('Tipo de ticket').selectOption('operations');
  await page.getByLabel('Asunto').fill('Informe mensual');
  await page.getByLabel('Descripción').fill('El informe mensual de consumo no se descarga desde el panel.');
}
