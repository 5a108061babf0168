import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('a manager adds an exchange rate and imports more; the board adds everything up in the organization currency', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  // Deals in two currencies through the API of the signed-in page.
  const origin = new URL(page.url()).origin;
  for (const [title, amount, currency] of [
    ['Paris office', '12500.00', 'EUR'],
    ['Boston office', '1000.00', 'USD'],
    ['London office', '100.00', 'GBP'],
  ]) {
    const created = await page.request.post('/api/deals', {
      data: { title, amount, currency },
      headers: { Origin: origin },
    });
    expect(created.status()).toBe(201);
  }
  await page.getByRole('link', { name: 'Deals' }).click();
  await expect(page.getByText('No USD total: no rate for EUR, GBP')).toBeVisible();

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Exchange rates' }).click();
  await expect(page.getByText('No exchange rates yet')).toBeVisible();
  const form = page.getByRole('form', { name: 'Add a rate' });
  await form.getByRole('textbox', { name: 'Currency' }).fill('EUR');
  await form.getByRole('textbox', { name: 'Worth in USD' }).fill('1.0845');
  await form.getByLabel('From').fill('2026-01-01');
  await form.getByRole('button', { name: 'Save rate' }).click();
  await expect(page.getByRole('table', { name: 'Exchange rates' })).toContainText('1.0845');

  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Import CSV' }).click();
  await (
    await chooser
  ).setFiles({
    name: 'rates.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('currency,date,rate\nGBP,2026-01-01,1.25\n'),
  });
  await expect(page.getByRole('table', { name: 'Exchange rates' })).toContainText('GBP');
  await screenshot(page, '53-exchange-rates');

  await page.getByRole('link', { name: 'Deals' }).click();
  // 12500 × 1.0845 + 1000 + 100 × 1.25
  await expect(page.getByText('All in USD: $14,681.25')).toBeVisible();
  await screenshot(page, '54-board-base-total');
});
