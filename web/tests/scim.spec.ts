import { expect, test, type Locator } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** What an identity provider sends: its bearer token and SCIM's media type. */
function scim(token: string) {
  return { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
}

/** The dialog fades in: the screenshot and the contrast check wait for it. */
async function settled(dialog: Locator): Promise<void> {
  await dialog.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
}

test('an admin connects an identity provider with a SCIM token, which provisions a member', async ({
  page,
  request,
}) => {
  await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Directory sync' }).click();
  await expect(page.getByText('No SCIM token')).toBeVisible();
  await expect(page.getByText('Clearview Managers', { exact: true })).toBeVisible();
  await screenshot(page, '69-scim-off');

  await page.getByRole('button', { name: 'Generate token' }).click();
  const dialog = page.getByRole('dialog', { name: 'SCIM token generated' });
  await expect(dialog).toContainText('This is the only time the SCIM token is shown');
  const token = (await dialog.getByLabel('New SCIM token').textContent())?.trim() ?? '';
  expect(token).toMatch(/^cvs_/);
  await expect(dialog).toContainText('/scim/v2');
  await settled(dialog);
  await screenshot(page, '70-scim-token-generated');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Shown once: the panel keeps only the end of it.
  const connection = page.getByRole('table', { name: 'SCIM connection' });
  await expect(connection).toContainText('/scim/v2');
  await expect(connection).toContainText(token.slice(-6));
  await expect(connection).toContainText('Never used');
  await expect(page.getByText(token)).toHaveCount(0);

  // The identity provider, from outside the browser (no cookies).
  const list = await request.get('/scim/v2/Users', { headers: scim(token) });
  expect(list.status()).toBe(200);
  expect(await list.json()).toMatchObject({ schemas: [LIST_SCHEMA] });
  const created = await request.post('/scim/v2/Users', {
    headers: scim(token),
    data: {
      schemas: [USER_SCHEMA],
      userName: 'pat@example.com',
      name: { givenName: 'Pat', familyName: 'Lee' },
    },
  });
  expect(created.status()).toBe(201);
  const pat = (await created.json()) as { id: string; userName: string };
  expect(pat.userName).toBe('pat@example.com');

  // A newcomer joins as a rep.
  await page.goto('/settings/members');
  const members = page.getByRole('table', { name: 'Members' });
  const patRow = members.getByRole('row', { name: /Pat Lee/ });
  await expect(patRow).toContainText('pat@example.com');
  await expect(patRow.getByRole('combobox')).toHaveValue('Rep');
  await screenshot(page, '71-scim-provisioned-member');

  // A group named after a role grants it.
  const group = await request.post('/scim/v2/Groups', {
    headers: scim(token),
    data: { schemas: [GROUP_SCHEMA], displayName: 'Clearview Managers', members: [{ value: pat.id }] },
  });
  expect(group.status()).toBe(201);
  await page.reload();
  await expect(patRow.getByRole('combobox')).toHaveValue('Manager');

  // The panel now says when the provider last came by.
  await page.getByRole('tab', { name: 'Directory sync' }).click();
  await expect(connection).not.toContainText('Never used');
  await screenshot(page, '72-scim-connected');

  // Regenerating asks first, shows the new token once, and stops the old one at once.
  await page.getByRole('button', { name: 'Regenerate token' }).click();
  const confirm = page.getByRole('dialog', { name: 'Regenerate the SCIM token?' });
  await expect(confirm).toContainText('The current token stops working at once');
  await settled(confirm);
  await screenshot(page, '73-scim-regenerate-confirm');
  await confirm.getByRole('button', { name: 'Regenerate' }).click();
  const renewed = page.getByRole('dialog', { name: 'New SCIM token' });
  await expect(renewed).toContainText('The previous token has stopped working');
  const next = (await renewed.getByLabel('New SCIM token').textContent())?.trim() ?? '';
  expect(next).toMatch(/^cvs_/);
  expect(next).not.toBe(token);
  await renewed.getByRole('button', { name: 'Done' }).click();
  await expect(connection).toContainText(next.slice(-6));
  await expect(connection).toContainText('Never used');
  expect((await request.get('/scim/v2/Users', { headers: scim(token) })).status()).toBe(401);
  expect((await request.get('/scim/v2/Users', { headers: scim(next) })).status()).toBe(200);

  // Deactivating someone in the provider removes their membership.
  const deactivated = await request.patch(`/scim/v2/Users/${pat.id}`, {
    headers: scim(next),
    data: { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] },
  });
  expect(deactivated.status()).toBe(200);
  await page.goto('/settings/members');
  await expect(members).toBeVisible();
  await expect(members).not.toContainText('Pat Lee');

  // Revoking asks first; the provider is refused from then on.
  await page.getByRole('tab', { name: 'Directory sync' }).click();
  await page.getByRole('button', { name: 'Revoke token' }).click();
  const revoke = page.getByRole('dialog', { name: 'Revoke the SCIM token?' });
  await expect(revoke).toContainText('provisioning stops until a new token is set');
  await revoke.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('No SCIM token')).toBeVisible();
  await expect(connection).toHaveCount(0);
  expect((await request.get('/scim/v2/Users', { headers: scim(next) })).status()).toBe(401);
});
