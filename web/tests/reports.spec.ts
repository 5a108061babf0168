import { expect, test } from '@playwright/test';
import { expectNoSeriousA11yViolations } from './a11y';
import { screenshot, signUpFreshOrganization } from './fixtures';

test('a manager reads win rate, funnel, velocity and rotting deals on the Reports screen', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  const origin = new URL(page.url()).origin;
  const pipelines = (await (await page.request.get('/api/pipelines')).json()) as {
    data: { stages: { id: string; name: string }[] }[];
  };
  const stage = (name: string) => pipelines.data[0]?.stages.find((s) => s.name === name)?.id;
  // Two deals won, one lost, one still open.
  for (const [title, amount, stageName] of [
    ['Fleet renewal', '4000.00', 'Won'],
    ['Hangar lease', '2500.00', 'Won'],
    ['Spare parts', '900.00', 'Lost'],
    ['Simulator', '12000.00', 'Proposal'],
  ] as const) {
    const created = await page.request.post('/api/deals', {
      data: {
        title,
        amount,
        currency: 'USD',
        stage_id: stage(stageName),
        ...(stageName === 'Lost' ? { lost_reason: 'price' } : {}),
      },
      headers: { Origin: origin },
    });
    expect(created.status()).toBe(201);
  }

  await page.getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Reports' })).toBeVisible();
  await expect(page.getByText('2 won, 1 lost')).toBeVisible();
  await expect(page.getByText('67 %').first()).toBeVisible();
  await expect(page.getByRole('table', { name: 'Win rate by owner' })).toContainText('Ada Lovelace');
  await expect(page.getByRole('progressbar', { name: 'Lead' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Pipeline velocity' })).toContainText('in 1 deal');
  await expect(page.getByText('Nothing is rotting')).toBeVisible();
  await screenshot(page, '59-reports');
  await expectNoSeriousA11yViolations(page, 'reports');
});
