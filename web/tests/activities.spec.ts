import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('a call logged on a contact can be deleted and brought back with Undo', async ({ page }) => {
  await signUpFreshOrganization(page);
  await page.getByRole('button', { name: 'New contact' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByRole('textbox', { name: 'First name' }).fill('Grace');
  await dialog.getByRole('textbox', { name: 'Last name' }).fill('Hopper');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();

  await page.getByRole('textbox', { name: 'Subject' }).fill('Intro');
  await page.getByRole('button', { name: 'Log activity' }).click();
  const item = page.getByText('Intro', { exact: true });
  await expect(item).toBeVisible();

  // Deleted at once (it is one small item), with Undo in the notification.
  await page.getByRole('button', { name: 'Delete call “Intro”' }).click();
  await expect(page.getByText('Call “Intro” moved to the trash.')).toBeVisible();
  await expect(item).toHaveCount(0);
  await expect(page.getByText('No activity yet')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();
  await screenshot(page, '63-activity-deleted');

  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('Call “Intro” is back.')).toBeVisible();
  await expect(item).toBeVisible();
  // Undo keeps the person on the contact page.
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();
});
