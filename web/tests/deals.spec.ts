import { expect, test } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('create deals, move them on the board by keyboard menu and by drag, win and lose them', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  await page.getByRole('link', { name: 'Deals' }).click();
  await expect(page.getByRole('heading', { name: 'Deals' })).toBeVisible();

  for (const [title, amount] of [
    ['Navy compiler licence', '12500.50'],
    ['Harvard Mark II support', '3000'],
  ] as const) {
    await page.getByRole('button', { name: 'New deal' }).click();
    const dialog = page.getByRole('dialog', { name: 'New deal' });
    await dialog.getByRole('textbox', { name: 'Title' }).fill(title);
    await dialog.getByRole('textbox', { name: 'Amount' }).fill(amount);
    await dialog.getByLabel('Expected close date').fill('2030-03-15');
    await dialog.getByRole('button', { name: 'Create deal' }).click();
    await expect(page.getByRole('heading', { name: title })).toBeVisible();
    await page.getByRole('link', { name: '← Board' }).click();
  }

  const columns = page.getByRole('region', { name: /^Stage / });
  await expect(columns.first()).toBeVisible();
  const first = columns.first();
  await expect(first.getByRole('link', { name: 'Navy compiler licence' })).toBeVisible();
  await screenshot(page, '20-deals-board');

  // Keyboard alternative: the card's "Move to stage" menu.
  const secondName = (await columns.nth(1).getAttribute('aria-label'))?.replace('Stage ', '') ?? '';
  await page.getByRole('button', { name: 'Move Navy compiler licence to stage' }).click();
  await page.getByRole('menuitem', { name: secondName }).click();
  await expect(columns.nth(1).getByRole('link', { name: 'Navy compiler licence' })).toBeVisible();
  await expect(page.getByText(`“Navy compiler licence” moved to ${secondName}`)).toBeVisible();

  // Drag with the pointer onto the third column.
  const handle = page.getByRole('button', { name: 'Drag Harvard Mark II support' });
  const target = columns.nth(2);
  const from = await handle.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error('board not laid out');
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + 20, from.y + 20, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 10 });
  await page.mouse.up();
  await expect(target.getByRole('link', { name: 'Harvard Mark II support' })).toBeVisible();

  // Win one deal from its page; its history shows the moves.
  await page.getByRole('link', { name: 'Navy compiler licence' }).click();
  await page.getByRole('button', { name: 'Mark won' }).click();
  await expect(page.getByText('won', { exact: true }).first()).toBeVisible();
  await expect(page.getByRole('table', { name: 'Stage history' })).toContainText(secondName);
  await screenshot(page, '21-deal-page');

  // Lose the other with a reason.
  await page.getByRole('link', { name: '← Board' }).click();
  await page.getByRole('link', { name: 'Harvard Mark II support' }).click();
  await page.getByRole('button', { name: 'Mark lost' }).click();
  await page.getByRole('textbox', { name: 'Why was it lost?' }).fill('Went with an in-house team');
  await page.getByRole('button', { name: 'Mark lost' }).last().click();
  await expect(page.getByText('Went with an in-house team')).toBeVisible();

  await page.getByRole('link', { name: 'Forecast' }).click();
  await expect(page.getByRole('heading', { name: 'Forecast', exact: true })).toBeVisible();
  await expect(page.getByRole('table', { name: /Forecast in/ })).toBeVisible();
  await screenshot(page, '22-forecast');
});
