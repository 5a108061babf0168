import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('create a contact, see field errors, search, and work its timeline', async ({ page }) => {
  await signUpFreshOrganization(page);
  await screenshot(page, '10-contacts-empty');

  await page.getByRole('button', { name: 'New contact' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByRole('textbox', { name: 'First name' }).fill('Grace');
  await dialog.getByRole('textbox', { name: 'Last name' }).fill('Hopper');
  await dialog.getByRole('textbox', { name: 'E-mail' }).fill('not-an-address');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  // The server's 422 appears beside the field and the typed values stay.
  await expect(dialog.getByText('Check the highlighted fields')).toBeVisible();
  await expect(dialog.getByRole('textbox', { name: 'First name' })).toHaveValue('Grace');
  await screenshot(page, '11-contact-form-errors');

  await dialog.getByRole('textbox', { name: 'E-mail' }).fill('grace@navy.test');
  await dialog.getByRole('textbox', { name: 'Job title' }).fill('Rear Admiral');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();

  // Log a call and add a task on the contact page.
  await page.getByRole('textbox', { name: 'Subject' }).fill('Intro call about COBOL');
  await page.getByRole('textbox', { name: 'Notes' }).fill('Wants a demo next week.');
  await page.getByRole('button', { name: 'Log activity' }).click();
  await expect(page.getByText('Intro call about COBOL')).toBeVisible();

  await page.getByRole('tab', { name: 'Add task' }).click();
  const taskPanel = page.getByRole('tabpanel', { name: 'Add task' });
  await taskPanel.getByRole('textbox', { name: 'Task' }).fill('Send the demo invite');
  await taskPanel.getByLabel('Due').fill('2030-01-15T10:00');
  await taskPanel.getByRole('button', { name: 'Add task' }).click();
  await expect(page.getByText('Send the demo invite').first()).toBeVisible();
  await screenshot(page, '12-contact-page');

  // Back to the list: search finds her.
  await page.getByRole('link', { name: '← Contacts' }).click();
  await page.getByRole('textbox', { name: 'Search' }).fill('hop');
  // The box writes the URL once typing pauses; only then does the search run.
  await expect(page).toHaveURL(/[?&]q=hop/);
  await expect(page.getByRole('link', { name: 'Grace Hopper' })).toBeVisible();
  // The earlier results stay, dimmed, until the search answers.
  await expect(page.getByRole('table', { name: 'Contacts' })).toHaveAttribute('aria-busy', 'false');
  await screenshot(page, '13-contacts-list');

  await page.getByRole('link', { name: 'My tasks' }).click();
  await expect(page.getByText('Send the demo invite')).toBeVisible();
  await screenshot(page, '14-my-tasks');
  await page.getByRole('checkbox', { name: 'Mark “Send the demo invite” done' }).click();
  await expect(page.getByText('No open tasks')).toBeVisible();

  // Ctrl+K finds the contact from anywhere.
  await page.keyboard.press('Control+k');
  await page.getByRole('textbox', { name: 'Search or jump to' }).fill('grace');
  await expect(page.getByRole('button', { name: /Grace Hopper/ })).toBeVisible();
  await screenshot(page, '15-command-palette');
  await page.keyboard.press('ArrowDown');
  await page.getByRole('button', { name: /Grace Hopper/ }).click();
  await expect(page.getByRole('heading', { name: 'Grace Hopper' })).toBeVisible();
});

test('load more pages through contacts with the keyset cursor', async ({ page }) => {
  await signUpFreshOrganization(page);
  // 55 contacts through the API (same session cookies), more than one page of 50.
  for (let i = 0; i < 55; i += 1) {
    const res = await page.request.post('/api/contacts', {
      data: { first_name: 'Person', last_name: `Number ${String(i).padStart(2, '0')}` },
      headers: { Origin: new URL(page.url()).origin },
    });
    expect(res.status()).toBe(201);
  }
  await page.reload();
  await expect(page.getByRole('link', { name: /Person Number/ })).toHaveCount(50);
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(page.getByRole('link', { name: /Person Number/ })).toHaveCount(55);
  await expect(page.getByText('55 contacts, that is all.')).toBeVisible();
});
