import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('a task gets an e-mail reminder, and the reminder is snoozed from the list and from the e-mail link', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  await page.getByRole('button', { name: 'New contact' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New contact' });
  await dialog.getByRole('textbox', { name: 'First name' }).fill('Katherine');
  await dialog.getByRole('textbox', { name: 'Last name' }).fill('Johnson');
  await dialog.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByRole('heading', { name: 'Katherine Johnson' })).toBeVisible();

  await page.getByRole('tab', { name: 'Add task' }).click();
  const taskPanel = page.getByRole('tabpanel', { name: 'Add task' });
  await taskPanel.getByRole('textbox', { name: 'Task' }).fill('Send the trajectory numbers');
  await taskPanel.getByLabel('Due').fill('2030-01-15T10:00');
  await taskPanel.getByRole('combobox', { name: 'E-mail me a reminder' }).click();
  await page.getByRole('option', { name: '1 day before' }).click();
  await taskPanel.getByRole('button', { name: 'Add task' }).click();
  await expect(page.getByText('Send the trajectory numbers').first()).toBeVisible();

  await page.getByRole('link', { name: 'My tasks' }).click();
  await expect(page.getByLabel(/^Reminder /)).toBeVisible();
  await page.getByRole('button', { name: 'Remind me later about “Send the trajectory numbers”' }).click();
  await page.getByRole('menuitem', { name: 'In 3 hours' }).click();
  await expect(page.getByText(/We will remind you/)).toBeVisible();
  await expect(page.getByLabel('Reminder in 3 hours')).toBeVisible();
  await screenshot(page, '50-tasks-with-reminder');

  // The e-mail's "Remind me later" link opens the same choices.
  const tasks = await page.request.get('/api/activities?kind=task');
  const id = ((await tasks.json()) as { data: { id: string }[] }).data[0]?.id ?? '';
  await page.goto(`/tasks?task=${id}&snooze=1`);
  const snooze = page.getByRole('dialog', { name: 'Remind me later' });
  await expect(snooze).toContainText('Send the trajectory numbers');
  await snooze.evaluate((el) => Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)));
  await screenshot(page, '51-snooze-from-email');
  await snooze.getByRole('button', { name: 'In a week' }).click();
  await expect(snooze).toBeHidden();
  // A week away is shown as its date.
  await expect(page.getByLabel('Reminder in 3 hours')).toHaveCount(0);
  await expect(page.getByLabel(/^Reminder /)).toBeVisible();
});
