import { expect, test } from '@playwright/test';
import { PASSWORD, screenshot, signUpFreshOrganization } from './fixtures';
import { totpCode } from './totp';

test('a person turns on two-step sign-in, then signs in with a code and with a recovery code', async ({
  page,
}) => {
  const account = await signUpFreshOrganization(page);
  await page.getByRole('button', { name: `Account menu for ${account.name}` }).click();
  await page.getByRole('menuitem', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  await expect(page.getByRole('img', { name: /QR code/ })).toBeVisible();
  const key = ((await page.getByLabel('Setup key').textContent()) ?? '').replace(/\s/g, '');
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  await screenshot(page, '45-two-step-setup');

  await page.getByRole('textbox', { name: 'Code from the app' }).fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByText('is wrong or was already used')).toBeVisible();
  await page.getByRole('textbox', { name: 'Code from the app' }).fill(totpCode(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByLabel('Recovery codes');
  await expect(codes.locator('code')).toHaveCount(10);
  const recovery = ((await codes.locator('code').first().textContent()) ?? '').trim();
  await screenshot(page, '46-two-step-recovery-codes');
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByText('10 of 10 recovery codes left.')).toBeVisible();

  // Signing in now takes the password, then a code.
  await page.getByRole('button', { name: `Account menu for ${account.name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-step sign-in' })).toBeVisible();
  await screenshot(page, '47-two-step-sign-in');
  // The code used to turn it on was accepted once; the next step's code signs in.
  await page.getByRole('textbox', { name: 'Code from your authenticator app' }).fill(totpCode(key, 1));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).toHaveURL(/\/contacts$/);

  // A lost phone: a recovery code instead, once.
  await page.getByRole('button', { name: `Account menu for ${account.name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Lost your phone? Use a recovery code' }).click();
  await page.getByRole('textbox', { name: 'Recovery code' }).fill(recovery);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await expect(page).toHaveURL(/\/contacts$/);
  await page.goto('/account');
  await expect(page.getByText('9 of 10 recovery codes left.')).toBeVisible();
  await screenshot(page, '48-two-step-on');
});

test('an organization that requires two-step sign-in of admins sends an admin without it to set it up', async ({
  page,
}) => {
  const account = await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('combobox', { name: 'Two-step sign-in' }).click();
  await page.getByRole('option', { name: 'Required for admins' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Organization saved')).toBeVisible();

  // The rule counts from the next sign-in (or session refresh).
  await page.getByRole('button', { name: `Account menu for ${account.name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Set up two-step sign-in' })).toBeVisible();
  await expect(page.getByText(`${account.organization} asks every admin`)).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const key = ((await page.getByLabel('Setup key').textContent()) ?? '').replace(/\s/g, '');
  await screenshot(page, '49-two-step-required');
  await page.getByRole('textbox', { name: 'Code from the app' }).fill(totpCode(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  // The session is a full one now: the app opens where it was headed.
  await expect(page.getByRole('heading', { name: 'Contacts', exact: true })).toBeVisible();
});
