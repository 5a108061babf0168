import { expect, test, type Page } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

/** Set-up through the API (same session cookies): two company fields and three companies. */
async function seed(page: Page) {
  const headers = { Origin: new URL(page.url()).origin };
  const post = async (url: string, data: object) => {
    const res = await page.request.post(url, { data, headers });
    expect(res.status(), `${url}: ${await res.text()}`).toBe(201);
  };
  await post('/api/custom-fields', {
    entity: 'company',
    key: 'tier',
    label: 'Tier',
    type: 'single_select',
    options: [
      { key: 'gold', label: 'Gold' },
      { key: 'silver', label: 'Silver' },
      { key: 'bronze', label: 'Bronze' },
    ],
  });
  await post('/api/custom-fields', { entity: 'company', key: 'seats', label: 'Seats', type: 'number' });
  for (const [name, tier, seats] of [
    ['Babbage & Co', 'gold', '5'],
    ['Difference Engines Ltd', 'gold', '25'],
    ['Jacquard Looms', 'silver', '40'],
    ['Hollerith Tabulating', 'bronze', '120'],
  ] as const) {
    await post('/api/companies', { name, custom_fields: { tier, seats } });
  }
}

test('filter companies by a custom select and a number range, and keep the filter in a view', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  await seed(page);
  await page.getByRole('link', { name: 'Companies' }).click();
  const list = page.getByRole('table', { name: 'Companies' });
  await expect(list.getByRole('link')).toHaveCount(4);

  // Tier is any of Gold or Silver.
  await page.getByRole('button', { name: 'Custom field filter' }).click();
  const filter = page.getByRole('dialog', { name: 'Custom field filter' });
  await filter.getByRole('combobox', { name: 'Field' }).click();
  await filter.getByRole('option', { name: 'Tier' }).click();
  await filter.getByRole('checkbox', { name: 'Gold' }).check();
  await filter.getByRole('checkbox', { name: 'Silver' }).check();
  await filter.getByRole('button', { name: 'Apply filter' }).click();
  await expect(filter).toBeHidden();
  await expect(page).toHaveURL(/cf\.tier=gold%2Csilver/);
  await expect(list.getByRole('link')).toHaveText([
    'Babbage & Co',
    'Difference Engines Ltd',
    'Jacquard Looms',
  ]);

  // And Seats from 10 to 50.
  await page.getByRole('button', { name: 'Custom field filter' }).click();
  await filter.getByRole('combobox', { name: 'Field' }).click();
  await filter.getByRole('option', { name: 'Seats' }).click();
  await filter.getByRole('textbox', { name: 'From' }).fill('10');
  await filter.getByRole('textbox', { name: 'To' }).fill('50');
  await filter.getByRole('button', { name: 'Apply filter' }).click();
  await expect(list.getByRole('link')).toHaveText(['Difference Engines Ltd', 'Jacquard Looms']);
  const chips = page.getByRole('group', { name: 'Custom field filters' });
  await expect(chips).toContainText('Tier: Gold or Silver');
  await expect(chips).toContainText('Seats: 10 – 50');
  await screenshot(page, '62-custom-field-filters');

  // A saved view keeps both; "All" drops them; the tab brings them back.
  await page.getByRole('button', { name: 'Save as view' }).click();
  const save = page.getByRole('dialog', { name: 'Save as view' });
  await save.getByRole('textbox', { name: 'Name' }).fill('Mid-size');
  await save.getByRole('button', { name: 'Save view' }).click();
  const tabs = page.getByRole('tablist', { name: 'Saved views' });
  await expect(tabs.getByRole('tab', { name: 'Mid-size', selected: true })).toBeVisible();
  await tabs.getByRole('tab', { name: 'All companies' }).click();
  await expect(list.getByRole('link')).toHaveCount(4);
  await expect(chips).toHaveCount(0);
  await tabs.getByRole('tab', { name: 'Mid-size' }).click();
  await expect(list.getByRole('link')).toHaveText(['Difference Engines Ltd', 'Jacquard Looms']);

  // Removing the chips one by one widens the list again; the view is now changed.
  await chips.getByRole('button', { name: 'Remove filter Tier: Gold or Silver' }).click();
  await expect(list.getByRole('link')).toHaveText(['Difference Engines Ltd', 'Jacquard Looms']);
  await chips.getByRole('button', { name: 'Remove filter Seats: 10 – 50' }).click();
  await expect(list.getByRole('link')).toHaveCount(4);
  await expect(page.getByRole('button', { name: 'Update “Mid-size”' })).toBeVisible();
});
