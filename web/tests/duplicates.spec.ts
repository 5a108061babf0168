import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './a11y';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('two records of one person are found and merged, and the trash can undo it', async ({ page }) => {
  await signUpFreshOrganization(page);
  for (const [first, email, phone] of [
    ['Katherine', 'kj@nasa.test', ''],
    ['Katherine', '', '+1 757 555 0100'],
  ]) {
    await page.getByRole('button', { name: 'New contact' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New contact' });
    await dialog.getByRole('textbox', { name: 'First name' }).fill(first ?? '');
    await dialog.getByRole('textbox', { name: 'Last name' }).fill('Johnson');
    if (email) await dialog.getByRole('textbox', { name: 'E-mail' }).fill(email);
    if (phone) await dialog.getByRole('textbox', { name: 'Phone' }).fill(phone);
    await dialog.getByRole('button', { name: 'Create contact' }).click();
    await expect(page.getByRole('heading', { name: `${first} Johnson` })).toBeVisible();
    await page.getByRole('link', { name: '← Contacts' }).click();
  }

  await page.getByRole('link', { name: 'Find duplicates' }).click();
  const pairs = page.getByRole('table', { name: 'Likely duplicates' });
  await expect(pairs.getByRole('row').nth(1)).toContainText('Same name');
  await screenshot(page, '57-duplicates');
  await expectNoSeriousA11yViolations(page, 'duplicates');

  await pairs
    .getByRole('button', { name: 'Review and merge Katherine Johnson and Katherine Johnson' })
    .click();
  const dialog = page.getByRole('dialog', { name: 'Merge duplicates' });
  // The older record stays; it has no phone, so the other's is taken.
  await expect(
    dialog.getByRole('row', { name: /^Phone/ }).getByRole('radio', { name: '+1 757 555 0100' }),
  ).toBeChecked();
  await expect(
    dialog.getByRole('row', { name: /^E-mail/ }).getByRole('radio', { name: 'kj@nasa.test' }),
  ).toBeChecked();
  await expect(dialog).toContainText('goes to the trash');
  await screenshot(page, '58-merge-dialog');
  await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
  await expect(page.getByText('Merged into Katherine Johnson')).toBeVisible();
  await expect(page.getByText('No duplicates found')).toBeVisible();

  await page.getByRole('link', { name: 'Contacts' }).click();
  const list = page.getByRole('table', { name: 'Contacts' });
  await expect(list.getByRole('row')).toHaveCount(2);
  await expect(list).toContainText('kj@nasa.test');
  await expect(list).toContainText('+1 757 555 0100');

  // Restoring the merged record from the trash undoes the merge.
  await page.getByRole('link', { name: 'Trash' }).click();
  const trash = page.getByRole('table', { name: 'Deleted records' });
  await expect(trash).toContainText('Merged');
  await trash.getByRole('button', { name: 'Restore Katherine Johnson' }).click();
  await expect(page.getByText('The trash is empty')).toBeVisible();
  await page.getByRole('link', { name: 'Contacts' }).click();
  await expect(list.getByRole('row')).toHaveCount(3);
});
