import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './a11y';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('a deleted contact can be brought back with Undo or from the trash', async ({ page }) => {
  await signUpFreshOrganization(page);
  await page.getByRole('button', { name: 'New contact' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByRole('textbox', { name: 'First name' }).fill('Grace');
  await dialog.getByRole('textbox', { name: 'Last name' }).fill('Hopper');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();

  // Delete asks first, then leaves for the list and offers Undo.
  await page.getByRole('button', { name: 'Delete' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete Grace Hopper?' });
  await expect(confirm).toContainText('30 days');
  await confirm.getByRole('button', { name: 'Move to trash' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
  await expect(page.getByText('Grace Hopper moved to the trash.')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Contacts' })).toHaveCount(0);
  await screenshot(page, '55-moved-to-trash');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();

  // Deleted again, it waits in the trash until restored from there.
  await page.getByRole('button', { name: 'Delete' }).click();
  await page
    .getByRole('dialog', { name: 'Delete Grace Hopper?' })
    .getByRole('button', { name: 'Move to trash' })
    .click();
  await expect(page).toHaveURL(/\/contacts$/);
  await page.getByRole('link', { name: 'Trash' }).click();
  const trash = page.getByRole('table', { name: 'Deleted records' });
  await expect(trash.getByRole('row').nth(1)).toContainText('Grace Hopper');
  await expect(trash.getByRole('row').nth(1)).toContainText('Contact');
  await screenshot(page, '56-trash');
  await expectNoSeriousA11yViolations(page, 'trash');

  await page.getByRole('main').getByText('Deals', { exact: true }).click();
  await expect(page.getByText('The trash is empty')).toBeVisible();
  await page.getByRole('main').getByText('Everything', { exact: true }).click();
  await trash.getByRole('button', { name: 'Restore Grace Hopper' }).click();
  await expect(page.getByText('Grace Hopper is back.').last()).toBeVisible();
  await expect(page.getByText('The trash is empty')).toBeVisible();
  await page.getByRole('link', { name: 'Contacts' }).click();
  await expect(page.getByRole('table', { name: 'Contacts' })).toContainText('Grace Hopper');
});
