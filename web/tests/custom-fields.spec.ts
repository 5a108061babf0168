import { expect, test, type Page } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

async function openCompanyFields(page: Page) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Custom fields' }).click();
  // SegmentedControl options are clicked through their labels.
  await page
    .locator('label')
    .filter({ hasText: /^Companies$/ })
    .click();
  await expect(page.getByRole('button', { name: 'Add field' })).toBeVisible();
}

async function addField(page: Page, label: string, type: string, options: string[] = []) {
  await page.getByRole('button', { name: 'Add field' }).click();
  const dialog = page.getByRole('dialog', { name: 'New company field' });
  await dialog.getByRole('textbox', { name: 'Label' }).fill(label);
  await dialog.getByRole('combobox', { name: 'Type' }).click();
  await page.getByRole('option', { name: type }).click();
  for (const [i, option] of options.entries()) {
    if (i > 0) await dialog.getByRole('button', { name: 'Add option' }).click();
    await dialog.getByRole('textbox', { name: `Option ${i + 1}` }).fill(option);
  }
  await dialog.getByRole('button', { name: 'Add field' }).click();
  await expect(dialog).toBeHidden();
}

test('an admin defines company fields, fills them in on a company and renames an option', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  await openCompanyFields(page);
  await expect(page.getByText('No custom fields for companies yet')).toBeVisible();
  await addField(page, 'Tier', 'Pick one from a list', ['Gold', 'Silver']);
  await addField(page, 'Seats', 'Number');
  const table = page.getByRole('table', { name: 'Custom fields of companies' });
  await expect(table.getByRole('row', { name: /Tier/ })).toContainText('Gold, Silver');
  await expect(table.getByRole('row', { name: /Seats/ })).toContainText('Number');
  await screenshot(page, '60-custom-fields-settings');

  await page.getByRole('link', { name: 'Companies' }).click();
  await page.getByRole('button', { name: 'New company' }).first().click();
  const form = page.getByRole('dialog', { name: 'New company' });
  await form.getByRole('textbox', { name: 'Name' }).fill('Difference Engines Ltd');
  await form.getByRole('button', { name: 'Create company' }).click();
  await expect(page.getByRole('heading', { name: 'Difference Engines Ltd' })).toBeVisible();

  const fields = page.getByRole('region', { name: 'Custom fields' });
  await fields.getByRole('button', { name: 'Edit custom fields' }).click();
  await fields.getByRole('combobox', { name: 'Tier' }).click();
  await page.getByRole('option', { name: 'Gold' }).click();
  await fields.getByRole('textbox', { name: 'Seats' }).fill('25');
  await fields.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(fields.getByRole('button', { name: 'Edit custom fields' })).toBeVisible();
  await expect(fields).toContainText('Gold');
  await expect(fields).toContainText('25');
  await screenshot(page, '61-company-custom-fields');

  // Renaming an option keeps it on the company.
  await openCompanyFields(page);
  await page.getByRole('button', { name: 'Edit Tier' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit field “Tier”' });
  await edit.getByRole('textbox', { name: 'Option 1' }).fill('Platinum');
  await edit.getByRole('button', { name: 'Save field' }).click();
  await expect(edit).toBeHidden();
  await expect(table.getByRole('row', { name: /Tier/ })).toContainText('Platinum, Silver');

  // The list can show the field as a column; the page shows the new label.
  await page.getByRole('link', { name: 'Companies' }).click();
  await page.getByRole('combobox', { name: 'Columns' }).click({ force: true });
  await page.getByRole('option', { name: 'Tier' }).click();
  await page.keyboard.press('Escape');
  const list = page.getByRole('table', { name: 'Companies' });
  await expect(list.getByRole('columnheader', { name: 'Tier' })).toBeVisible();
  await expect(list.getByRole('row', { name: /Difference Engines Ltd/ })).toContainText('Platinum');
  // A saved view keeps the custom column (`cf.tier`).
  await page.getByRole('button', { name: 'Save as view' }).click();
  const save = page.getByRole('dialog', { name: 'Save as view' });
  await save.getByRole('textbox', { name: 'Name' }).fill('Tiers');
  await save.getByRole('button', { name: 'Save view' }).click();
  await expect(page.getByRole('tab', { name: 'Tiers', selected: true })).toBeVisible();
  await expect(list.getByRole('columnheader', { name: 'Tier' })).toBeVisible();
  await list.getByRole('link', { name: 'Difference Engines Ltd' }).click();
  await expect(fields).toContainText('Platinum');
  await expect(fields).not.toContainText('Gold');
});
