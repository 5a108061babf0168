import { expect, type Page } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expectNoSeriousA11yViolations } from './a11y';
import { linkFromMail } from './mail';

export const PASSWORD = 'correct horse battery staple';

const screenshotDir =
  process.env.E2E_SCREENSHOT_DIR ?? path.resolve(import.meta.dirname, '../test-results/screenshots');

/** An address no other test (or run) uses. */
export function uniqueEmail(prefix = 'rep'): string {
  return `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@e2e.clearview.test`;
}

/** Screenshots a main screen, then checks it with axe-core: every screenshot is also an a11y check. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
  await expectNoSeriousA11yViolations(page, name);
}

/**
 * Every spec signs up its own organization, two account requests each; the
 * server's default RATE_LIMIT_ACCOUNT_IP (20/15m) stops a full run. Say so
 * plainly instead of timing out.
 */
async function failOnRateLimit(page: Page): Promise<void> {
  const limited = page.getByText(/too many requests/i);
  const shown = await limited.waitFor({ state: 'visible', timeout: 1500 }).then(
    () => true,
    () => false,
  );
  if (shown) {
    throw new Error(
      'the server rate-limited sign-up: run it with RATE_LIMIT_ACCOUNT_IP=1000/1m for end-to-end tests',
    );
  }
}

export interface Account {
  email: string;
  name: string;
  organization: string;
}

/** Signs up a fresh organization through the screens and the confirmation e-mail; ends signed in. */
export async function signUpFreshOrganization(page: Page, opts: { shots?: boolean } = {}): Promise<Account> {
  const account = {
    email: uniqueEmail('admin'),
    name: 'Ada Lovelace',
    organization: `Analytical Engines ${Math.random().toString(36).slice(2, 6)}`,
  };
  await page.goto('/sign-up');
  await page.getByLabel('Organization name').fill(account.organization);
  await page.getByLabel('Your name').fill(account.name);
  await page.getByLabel('Work e-mail').fill(account.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  if (opts.shots) await screenshot(page, '01-sign-up');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await failOnRateLimit(page);
  await expect(page.getByRole('heading', { name: 'Check your e-mail' })).toBeVisible();
  if (opts.shots) await screenshot(page, '02-check-your-email');

  const link = await linkFromMail(account.email, '/verify-email');
  await page.goto(link);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(PASSWORD);
  if (opts.shots) await screenshot(page, '03-verify-email');
  await page.getByRole('button', { name: 'Confirm and open Clearview' }).click();
  await failOnRateLimit(page);
  await expect(page).toHaveURL(/\/contacts$/);
  return account;
}
