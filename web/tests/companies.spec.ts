import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('create a company, attach a contact to it and see both pages link to each other', async ({ page }) => {
  await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Companies' }).click();
  await expect(page.getByText('No companies yet')).toBeVisible();
  await page.getByRole('button', { name: 'New company' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New company' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill('US Navy');
  await dialog.getByRole('textbox', { name: 'Web domain' }).fill('https://www.navy.test/about');
  await dialog.getByRole('button', { name: 'Create company' }).click();
  await expect(page.getByRole('heading', { name: 'US Navy' })).toBeVisible();
  // The server reduces a URL to its domain.
  await expect(page.getByText(/navy\.test/)).toBeVisible();

  await page.getByRole('link', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'New contact' }).first().click();
  const form = page.getByRole('dialog', { name: 'New contact' });
  await form.getByRole('textbox', { name: 'First name' }).fill('Grace');
  await form.getByRole('textbox', { name: 'Last name' }).fill('Hopper');
  await form.getByRole('combobox', { name: 'Company' }).fill('nav');
  await page.getByRole('option', { name: 'US Navy' }).click();
  await form.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();

  await page.getByRole('link', { name: 'US Navy' }).click();
  await expect(page.getByRole('heading', { name: 'US Navy' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Grace Hopper/ })).toBeVisible();
  await screenshot(page, '16-company-page');

  // A deal started from the company page belongs to it.
  await page.getByRole('button', { name: 'New deal' }).click();
  const dealForm = page.getByRole('dialog', { name: 'New deal' });
  await dealForm.getByRole('textbox', { name: 'Title' }).fill('Fleet compiler rollout');
  await dealForm.getByRole('textbox', { name: 'Amount' }).fill('99000');
  await dealForm.getByRole('button', { name: 'Create deal' }).click();
  await expect(page.getByRole('heading', { name: 'Fleet compiler rollout' })).toBeVisible();
  await page.getByRole('link', { name: 'US Navy' }).click();
  await expect(page.getByRole('table', { name: 'Deals of this company' })).toContainText(
    'Fleet compiler rollout',
  );

  await page.getByRole('link', { name: '← Companies' }).click();
  await expect(page.getByRole('link', { name: 'US Navy' })).toBeVisible();
  await screenshot(page, '17-companies-list');
});
