import { expect, test } from '@playwright/test';
import { PASSWORD, screenshot, signUpFreshOrganization, uniqueEmail } from './fixtures';
import { linkFromMail } from './mail';

test('sign up, confirm the e-mail, sign out and sign in again', async ({ page }) => {
  const account = await signUpFreshOrganization(page, { shots: true });
  await expect(page.getByText('No contacts yet')).toBeVisible();
  await expect(page.getByText(account.organization)).toBeVisible();

  await page.getByRole('button', { name: `Account menu for ${account.name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password' }).fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong e-mail or password');
  await screenshot(page, '04-sign-in-error');

  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
});

test('an expired access cookie is refreshed silently; a signed-out visitor signs in and comes back', async ({
  page,
}) => {
  const account = await signUpFreshOrganization(page);
  // Only the 15-minute access cookie gone: the client refreshes and stays.
  await page.context().clearCookies({ name: '__Host-cv_access' });
  await page.goto('/forecast');
  await expect(page.getByRole('heading', { name: 'Forecast', exact: true })).toBeVisible();
  await expect(page).toHaveURL(/\/forecast$/);

  await page.context().clearCookies();
  await page.goto('/tasks');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ftasks$/);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByRole('heading', { name: 'My tasks' })).toBeVisible();
});

test('sign-up answers the same for an address that already has an account', async ({ page }) => {
  const account = await signUpFreshOrganization(page);
  await page.context().clearCookies();
  await page.goto('/sign-up');
  await page.getByLabel('Organization name').fill('Someone else');
  await page.getByLabel('Your name').fill('Mallory');
  await page.getByLabel('Work e-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('another long password');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByRole('heading', { name: 'Check your e-mail' })).toBeVisible();
});

test('forgot password: the e-mailed link sets a new password', async ({ page }) => {
  const account = await signUpFreshOrganization(page);
  await page.context().clearCookies();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  // The sign-in page has an E-mail field too: fill the reset page's, once it is there.
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your e-mail' })).toBeVisible();

  const link = await linkFromMail(account.email, '/password-reset');
  await page.goto(link);
  const fresh = 'a brand new password';
  await page.getByRole('textbox', { name: 'New password', exact: true }).fill(fresh);
  await page.getByLabel('Repeat the new password').fill(fresh);
  await screenshot(page, '05-reset-password');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('heading', { name: 'Password changed' })).toBeVisible();

  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(fresh);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
});

test('an unknown address shows the not-found page', async ({ page }) => {
  await signUpFreshOrganization(page);
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await screenshot(page, '06-not-found');
  // A record that does not exist (or is another organization's) says so plainly.
  await page.goto('/contacts/00000000-0000-7000-8000-000000000000');
  await expect(page.getByRole('alert')).toContainText('Not found');
});

test('a verification link without its token says so', async ({ page }) => {
  await page.goto('/verify-email');
  await expect(page.getByText('This link is incomplete')).toBeVisible();
  expect(uniqueEmail()).toContain('@');
});
