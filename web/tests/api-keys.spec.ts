import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('an admin creates a read-only API key, sees it once, uses it, and revokes it', async ({
  page,
  request,
}) => {
  await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'API keys' }).click();
  await expect(page.getByText('No API keys yet')).toBeVisible();

  await page.getByRole('textbox', { name: 'Name' }).fill('Data warehouse');
  await page.getByRole('combobox', { name: 'Access' }).click();
  await page.getByRole('option', { name: 'Read only' }).click();
  await page.getByRole('combobox', { name: 'Expires' }).click();
  await page.getByRole('option', { name: 'In 90 days' }).click();
  await page.getByRole('button', { name: 'Create key' }).click();

  const dialog = page.getByRole('dialog', { name: /API key “Data warehouse” created/ });
  await expect(dialog).toBeVisible();
  const secret = (await dialog.getByLabel('New API key').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^cvk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
  // The dialog fades in: the screenshot and the contrast check wait for it.
  await dialog.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
  await screenshot(page, '40-api-key-created');
  await dialog.getByRole('button', { name: 'Done' }).click();

  const table = page.getByRole('table', { name: 'API keys' });
  await expect(table).toContainText('Data warehouse');
  await expect(table).toContainText('Read only');
  await expect(table).not.toContainText(secret);

  // The key works from outside the browser (no cookies): it reads, and it
  // may not write.
  const headers = { Authorization: `Bearer ${secret}` };
  expect((await request.get('/api/contacts', { headers })).status()).toBe(200);
  const write = await request.post('/api/contacts', {
    headers,
    data: { first_name: 'No', last_name: 'Way' },
  });
  expect(write.status()).toBe(403);
  await page.reload();
  // Used just now: neither "Last used" nor "Expires" says Never any more.
  await expect(table).toContainText('Data warehouse');
  await expect(table.getByRole('cell', { name: 'Never', exact: true })).toHaveCount(0);
  await screenshot(page, '41-api-keys');

  await table.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('No API keys yet')).toBeVisible();
  expect((await request.get('/api/contacts', { headers })).status()).toBe(401);
});
