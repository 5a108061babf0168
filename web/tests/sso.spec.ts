import { expect, test, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { screenshot, signUpFreshOrganization } from './fixtures';

/**
 * Single sign-on through a real OpenID provider (oidc-provider, see
 * ../../tests/oidc/README.md) in the browser. The server must be started with
 * OIDC_ALLOW_HTTP=true and OIDC_ALLOW_HOSTS=127.0.0.1:$E2E_OIDC_PORT.
 */
const CLIENT_ID = 'clearview-e2e';
const CLIENT_SECRET = 'e2e-secret-123';
const baseURL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080';
const providerScript = path.resolve(import.meta.dirname, '../../tests/oidc/provider.mjs');

let provider: ChildProcessWithoutNullStreams | undefined;
let issuer = '';
/** The provider's stderr (warnings, failed requests), printed when a test fails. */
const providerLog: string[] = [];

/** Starts the provider and resolves with the issuer from its ready line. */
function startProvider(): Promise<string> {
  const port = process.env.E2E_OIDC_PORT;
  if (!port)
    throw new Error('set E2E_OIDC_PORT (the server must allow 127.0.0.1:<that port> in OIDC_ALLOW_HOSTS)');
  const child = spawn(process.execPath, [providerScript], {
    env: {
      ...process.env,
      OIDC_PORT: port,
      OIDC_CLIENTS: JSON.stringify([
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${baseURL}/api/auth/oidc/callback`],
        },
      ]),
      // Piped stdin: the provider ends with this process even if afterAll never runs.
      OIDC_EXIT_ON_STDIN_CLOSE: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  provider = child;
  // Keep reading stderr so a full pipe never blocks the provider.
  createInterface({ input: child.stderr }).on('line', (line) => providerLog.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the OpenID provider did not start in 20 s')), 20_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^OIDC_PROVIDER_READY (\S+)$/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OpenID provider exited (${String(code)}):\n${providerLog.join('\n')}`));
    });
  });
}

test.beforeAll(async () => {
  issuer = await startProvider();
});

test.afterAll(async () => {
  const child = provider;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

test.afterEach(() => {
  const testInfo = test.info();
  if (testInfo.status !== testInfo.expectedStatus && providerLog.length > 0) {
    console.log(`OpenID provider's stderr:\n${providerLog.join('\n')}`);
  }
});

/** Full-page screenshots of a scrolled page show the sticky header mid-page. */
async function topOf(page: Page): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
}

/**
 * A signed-out browser opens the sign-in link and signs in at the provider
 * (its development login and consent pages) as `login`; resolves on the
 * page where Clearview sends it back.
 */
async function signInAtProvider(browser: Browser, startUrl: string, login: string): Promise<Page> {
  const context = await browser.newContext();
  // The provider's pages import a web font; there is no Internet here.
  await context.route('https://fonts.googleapis.com/**', (route) => route.abort());
  const page = await context.newPage();
  await page.goto(startUrl);
  await expect(page).toHaveURL(new RegExp(`^${issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything at all');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  // Consent, once per provider session and client.
  await expect(page.getByRole('heading', { name: 'Authorize' })).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(new RegExp(`^${baseURL}/`));
  return page;
}

test('an admin sets up single sign-on, and people sign in through the identity provider', async ({
  page,
  browser,
  context,
}) => {
  test.setTimeout(180_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signUpFreshOrganization(page);
  const me = (await (await page.request.get('/api/auth/me')).json()) as { organization: { id: string } };
  const orgId = me.organization.id;
  const redirectUri = `${baseURL}/api/auth/oidc/callback`;
  const startUrl = `${baseURL}/api/auth/oidc/${orgId}/start`;

  await test.step('before setup: the redirect URI to register at the provider', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Single sign-on' }).click();
    await expect(page).toHaveURL(/\/settings\/sso$/);
    await expect(page.getByText('Single sign-on is off')).toBeVisible();
    await expect(page.getByText(redirectUri, { exact: true })).toBeVisible();
    await screenshot(page, '74-sso-off');
    await page.getByRole('button', { name: 'Copy redirect URI' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(redirectUri);
  });

  await test.step('the form: a wrong issuer is named beside the field, then the right one is saved', async () => {
    await page.getByRole('button', { name: 'Set up single sign-on' }).click();
    const issuerField = page.getByRole('textbox', { name: 'Issuer URL' });
    await issuerField.fill(issuer);
    await page.getByRole('textbox', { name: 'Client ID' }).fill(CLIENT_ID);
    await page.getByLabel('Client secret').fill(CLIENT_SECRET);
    const domains = page.getByRole('combobox', { name: 'Allowed e-mail domains' });
    await domains.fill('example.com');
    await domains.press('Enter');
    await page.getByRole('combobox', { name: 'People who are not members yet' }).click();
    await page.getByRole('option', { name: 'Join as Rep' }).click();
    await topOf(page);
    await screenshot(page, '75-sso-form');

    // The server reads the issuer's discovery document before saving.
    await issuerField.fill(`${issuer}/no-such-realm`);
    await page.getByRole('button', { name: 'Turn on single sign-on' }).click();
    await expect(page.getByText(/discovery document could not be read/)).toBeVisible();
    await expect(issuerField).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByRole('alert')).toContainText('Check the highlighted fields');
    await topOf(page);
    await screenshot(page, '76-sso-form-issuer-error');

    await issuerField.fill(issuer);
    await expect(page.getByText(/discovery document could not be read/)).toHaveCount(0);
    await page.getByRole('button', { name: 'Turn on single sign-on' }).click();
  });

  await test.step('the summary: settings, redirect URI and sign-in link; the secret is never shown', async () => {
    const summary = page.getByRole('table', { name: 'Single sign-on settings' });
    await expect(summary).toBeVisible();
    await expect(summary.getByRole('row', { name: /Issuer URL/ })).toContainText(issuer);
    await expect(summary.getByRole('row', { name: /Client ID/ })).toContainText(CLIENT_ID);
    await expect(summary.getByRole('row', { name: /Client secret/ })).toContainText('Stored — never shown');
    await expect(summary.getByRole('row', { name: /Allowed e-mail domains/ })).toContainText('example.com');
    await expect(summary.getByRole('row', { name: /not members yet/ })).toContainText('Join as Rep');
    await expect(summary.getByRole('row', { name: /Redirect URI/ })).toContainText(redirectUri);
    await expect(page.getByText(CLIENT_SECRET)).toHaveCount(0);
    await expect(page.getByText(startUrl, { exact: true })).toBeVisible();
    // The notification would cover the table in the screenshot.
    const saved = page.getByText('Single sign-on is on: share the sign-in link');
    await expect(saved).toBeVisible();
    await expect(saved).toBeHidden({ timeout: 15_000 });
    await topOf(page);
    await screenshot(page, '77-sso-configured');
    await page.getByRole('button', { name: 'Copy sign-in link' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(startUrl);

    // Editing keeps the stored secret when the field is left empty.
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await expect(page.getByLabel('Client secret')).toHaveAttribute(
      'placeholder',
      'leave empty to keep the stored secret',
    );
    await expect(page.getByRole('textbox', { name: 'Issuer URL' })).toHaveValue(issuer);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(summary).toContainText('Join as Rep');
  });

  await test.step('a newcomer at an allowed domain signs in at the provider and joins as a rep', async () => {
    const newcomer = await signInAtProvider(browser, startUrl, 'newcomer@example.com');
    await expect(newcomer.getByRole('button', { name: 'Account menu for Newcomer' })).toBeVisible();
    await expect(newcomer.getByRole('link', { name: 'Contacts' })).toBeVisible();
    const them = (await (await newcomer.request.get('/api/auth/me')).json()) as {
      user: { email: string };
      role: string;
      organization: { id: string };
    };
    expect(them.user.email).toBe('newcomer@example.com');
    expect(them.role).toBe('rep');
    expect(them.organization.id).toBe(orgId);
    await newcomer.context().close();

    await page.goto('/settings/members');
    const row = page.getByRole('table', { name: 'Members' }).getByRole('row', { name: /Newcomer/ });
    await expect(row).toContainText('newcomer@example.com');
    await expect(row.getByRole('combobox')).toHaveValue('Rep');
  });

  await test.step('an address the provider has not verified is refused, and the sign-in page says why', async () => {
    const refused = await signInAtProvider(browser, startUrl, 'unverified.x@example.com');
    await expect(refused).toHaveURL(/\/sign-in\?sso_error=unverified_email$/);
    const alert = refused.getByRole('alert');
    await expect(alert).toContainText('Single sign-on did not sign you in');
    await expect(alert).toContainText('did not confirm your e-mail address');
    await expect(refused.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    await screenshot(refused, '78-sso-error-sign-in');
    const me = await refused.request.get('/api/auth/me');
    expect(me.status()).toBe(401);
    await refused.context().close();
  });

  await test.step('a verified address at another domain may not join', async () => {
    const refused = await signInAtProvider(browser, startUrl, 'outsider@elsewhere.test');
    await expect(refused).toHaveURL(/\/sign-in\?sso_error=domain_not_allowed$/);
    await expect(refused.getByRole('alert')).toContainText('Your e-mail domain may not join');
    await refused.context().close();
  });

  await test.step('removing single sign-on asks first, then the sign-in link stops working', async () => {
    await page.goto('/settings/sso');
    await page.getByRole('button', { name: 'Remove single sign-on' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove single sign-on?' });
    await expect(confirm).toContainText('Forgot your password?');
    await confirm.getByRole('button', { name: 'Remove single sign-on' }).click();
    await expect(page.getByText('Single sign-on is off')).toBeVisible();
    await expect(page.getByText(redirectUri, { exact: true })).toBeVisible();
    const start = await page.request.get(startUrl, { maxRedirects: 0 });
    expect(start.status()).toBe(404);
  });
});
