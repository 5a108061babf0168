import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('a saved view of the contacts list becomes a tab with its filters, sort and columns', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  for (const [first, last] of [
    ['Ada', 'Lovelace'],
    ['Alan', 'Turing'],
  ]) {
    await page.getByRole('button', { name: 'New contact' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New contact' });
    await dialog.getByRole('textbox', { name: 'First name' }).fill(first ?? '');
    await dialog.getByRole('textbox', { name: 'Last name' }).fill(last ?? '');
    await dialog.getByRole('button', { name: 'Create contact' }).click();
    await expect(page.getByRole('heading', { name: `${first} ${last}` })).toBeVisible();
    await page.getByRole('link', { name: '← Contacts' }).click();
  }

  // Narrow the list: mine, by last name Z–A, without phone and title.
  await page.getByRole('combobox', { name: 'Owner' }).click();
  await page.getByRole('option', { name: 'Me', exact: true }).click();
  await page.getByRole('combobox', { name: 'Sort' }).click();
  await page.getByRole('option', { name: 'Last name Z–A' }).click();
  const columns = page.getByRole('combobox', { name: 'Columns' });
  await columns.click({ force: true });
  await page.getByRole('option', { name: 'Phone' }).click();
  await page.getByRole('option', { name: 'Title' }).click();
  await page.keyboard.press('Escape');
  const table = page.getByRole('table', { name: 'Contacts' });
  await expect(table.getByRole('columnheader')).toHaveText(['Name', 'E-mail', 'Owner']);
  await expect(table.getByRole('row').nth(1)).toContainText('Alan Turing');

  await page.getByRole('button', { name: 'Save as view' }).click();
  const save = page.getByRole('dialog', { name: 'Save as view' });
  await save.getByRole('textbox', { name: 'Name' }).fill('My people');
  await save.getByRole('checkbox', { name: 'Share with the organization' }).check();
  await save.getByRole('button', { name: 'Save view' }).click();
  const tabs = page.getByRole('tablist', { name: 'Saved views' });
  await expect(tabs.getByRole('tab', { name: /My people/, selected: true })).toBeVisible();
  await screenshot(page, '52-saved-view-tab');

  // "All" is the plain list again; the view's tab brings the view back.
  await tabs.getByRole('tab', { name: 'All contacts' }).click();
  await expect(table.getByRole('columnheader')).toHaveText(['Name', 'E-mail', 'Phone', 'Title', 'Owner']);
  await tabs.getByRole('tab', { name: /My people/ }).click();
  await expect(table.getByRole('columnheader')).toHaveText(['Name', 'E-mail', 'Owner']);
  await expect(table.getByRole('row').nth(1)).toContainText('Alan Turing');

  await page.getByRole('button', { name: 'Options of the view “My people”' }).click();
  await page.getByRole('menuitem', { name: 'Delete view' }).click();
  await expect(tabs.getByRole('tab', { name: /My people/ })).toHaveCount(0);
});
