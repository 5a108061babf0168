import { expect, test } from '@playwright/test';
import { PASSWORD, screenshot, signUpFreshOrganization, uniqueEmail } from './fixtures';
import { linkFromMail } from './mail';

test('an admin invites a viewer, who joins through the e-mailed link and sees no edit controls', async ({
  page,
}) => {
  const admin = await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await screenshot(page, '30-settings-organization');
  await page.getByRole('tab', { name: 'Pipelines' }).click();
  await expect(page.getByRole('table', { name: /Stages of/ }).first()).toBeVisible();
  await screenshot(page, '31-settings-pipelines');

  await page.getByRole('tab', { name: 'Members' }).click();
  const invitee = uniqueEmail('viewer');
  await page.getByRole('textbox', { name: 'E-mail' }).fill(invitee);
  await page.getByRole('combobox', { name: 'Role', exact: true }).click();
  await page.getByRole('option', { name: 'Viewer' }).click();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('table', { name: 'Pending invitations' })).toContainText(invitee);
  await screenshot(page, '32-settings-members');

  await page.getByRole('tab', { name: 'Audit log' }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toBeVisible();
  await page.getByRole('button', { name: 'Check integrity' }).click();
  await expect(page.getByText('The audit log is intact')).toBeVisible();
  await screenshot(page, '33-settings-audit-log');
  await page.getByRole('tab', { name: 'Jobs' }).click();
  await expect(page.getByText('No failed jobs')).toBeVisible();

  await page.getByRole('link', { name: 'Data / Import' }).click();
  await screenshot(page, '34-data-import');
  await page.getByRole('link', { name: 'Account' }).click();
  await screenshot(page, '35-account');

  // The invitee, in a fresh browser context, follows the link.
  const link = await linkFromMail(invitee, '/invitations/accept');
  const context = await page
    .context()
    .browser()
    ?.newContext({ baseURL: new URL(page.url()).origin });
  if (!context) throw new Error('no browser');
  const guest = await context.newPage();
  await guest.goto(link);
  await guest.getByRole('textbox', { name: 'Your name' }).fill('Vera Viewer');
  await guest.getByRole('textbox', { name: 'Choose a password' }).fill(PASSWORD);
  await screenshot(guest, '36-accept-invitation');
  await guest.getByRole('button', { name: 'Accept and sign in' }).click();
  await expect(guest).toHaveURL(/\/contacts$/);
  await expect(guest.getByText(admin.organization)).toBeVisible();
  await expect(guest.getByRole('heading', { name: 'Contacts', exact: true })).toBeVisible();
  await expect(guest.getByRole('button', { name: 'New contact' })).toHaveCount(0);
  await expect(guest.getByRole('button', { name: 'Add your first contact' })).toHaveCount(0);
  await screenshot(guest, '39-viewer-contacts');
  await context.close();
});

test('import contacts from a CSV with a column mapping and a report', async ({ page }) => {
  await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Data / Import' }).click();
  const csv = [
    'Given Name,Surname,Email,Company',
    'Ada,Lovelace,ada@engines.test,Analytical',
    'Bad,Row,not-an-email,',
  ].join('\n');
  await page
    .locator('input[type=file]')
    .setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Next: map columns' }).click();
  // Usual header names are mapped already; the person can change any of them.
  await expect(page.getByRole('combobox', { name: 'Field for column Given Name' })).toHaveValue('First name');
  await expect(page.getByRole('combobox', { name: 'Field for column Surname' })).toHaveValue('Last name');
  await page.getByRole('combobox', { name: 'Field for column Company' }).click();
  await page.getByRole('option', { name: 'Company domain' }).click();
  await page.getByRole('combobox', { name: 'Field for column Company' }).click();
  await page.getByRole('option', { name: 'Company name' }).click();
  await screenshot(page, '37-import-mapping');
  await page.getByRole('button', { name: 'Import people.csv' }).click();
  await expect(page.getByText('Import finished')).toBeVisible({ timeout: 30_000 });
  await screenshot(page, '38-import-report');
  await page.getByRole('link', { name: 'Contacts' }).click();
  await expect(page.getByRole('link', { name: 'Ada Lovelace' })).toBeVisible();
});

test('someone with an account joins a second organization and then chooses one at sign-in', async ({
  page,
  browser,
}) => {
  const host = await signUpFreshOrganization(page);
  const otherContext = await browser.newContext({ baseURL: new URL(page.url()).origin });
  const other = await otherContext.newPage();
  const guest = await signUpFreshOrganization(other);

  await page.goto('/settings/members');
  await page.getByRole('textbox', { name: 'E-mail' }).fill(guest.email);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByRole('table', { name: 'Pending invitations' })).toContainText(guest.email);

  const link = await linkFromMail(guest.email, '/invitations/accept');
  await other.goto(link);
  await other.getByText('Yes, I have one').click();
  await other.getByRole('textbox', { name: 'Password of your account' }).fill(PASSWORD);
  await other.getByRole('button', { name: 'Accept and sign in' }).click();
  await expect(other).toHaveURL(/\/contacts$/);
  await expect(other.getByText(host.organization)).toBeVisible();

  await otherContext.clearCookies();
  await other.goto('/sign-in');
  await other.getByLabel('E-mail').fill(guest.email);
  await other.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('radiogroup', { name: 'Organization' })).toBeVisible();
  await screenshot(other, '07-choose-organization');
  await other.getByRole('radio', { name: guest.organization }).check();
  await other.getByRole('button', { name: 'Continue' }).click();
  await expect(other).toHaveURL(/\/contacts$/);
  await expect(other.getByText(guest.organization)).toBeVisible();
  await otherContext.close();
});
