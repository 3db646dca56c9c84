// Opens a ticket from the Spanish form as a partner does, and returns its reference from the
// thank-you page. `cc` fills the optional copy field; `beforeSend(page)` runs on the filled form.
export async function openTicket(page, key, { cc, beforeSend } = {}) {
  await page.goto('/es/tickets/new/');
  await page.locator('form.ticket-form[data-token-ready]').waitFor({ state: 'attached' });
  await page.getByLabel('Nombre y apellido').fill('Ana Pérez');
  await page.getByLabel('Correo electrónico').fill('ana@partner.example.org');
  if (cc) await page.getByLabel('Copia (CC, opcional)').fill(cc);
  await page.getByLabel('Empresa (partner)').fill('Partner TV');
  await page.getByLabel('Clave de partner').fill(key);
  await page.getByLabel('Tipo de ticket').selectOption('operations');
  await page.getByLabel('Asunto').fill('Informe mensual');
  await page.getByLabel('Descripción').fill('El informe mensual de consumo no se descarga desde el panel.');
  if (beforeSend) await beforeSend(page);
  await page.getByRole('button', { name: 'Enviar ticket' }).click();
  await page.waitForURL((u) => u.pathname === '/tickets/thanks');
  return (await page.locator('.ticket-ref').textContent()).trim();
}
