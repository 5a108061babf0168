import { expect, test, type Page } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

/** Set-up through the API (same session cookies): two deal fields and five deals across the stages. */
async function seed(page: Page) {
  const headers = { Origin: new URL(page.url()).origin };
  const post = async (url: string, data: object) => {
    const res = await page.request.post(url, { data, headers });
    expect(res.status(), `${url}: ${await res.text()}`).toBe(201);
  };
  await post('/api/custom-fields', {
    entity: 'deal',
    key: 'region',
    label: 'Region',
    type: 'single_select',
    options: [
      { key: 'emea', label: 'EMEA' },
      { key: 'amer', label: 'Americas' },
    ],
  });
  await post('/api/custom-fields', { entity: 'deal', key: 'seats', label: 'Seats', type: 'number' });
  const pipelines = (await (await page.request.get('/api/pipelines')).json()) as {
    data: { stages: { id: string; name: string }[] }[];
  };
  const stage = (name: string) => pipelines.data[0]?.stages.find((s) => s.name === name)?.id;
  // Created in this order: the list shows the newest first.
  for (const [title, amount, stageName, region, seats] of [
    ['Navy compiler licence', '12500.50', 'Proposal', 'emea', '120'],
    ['Harvard Mark II support', '3000', 'Won', 'amer', '40'],
    ['UNIVAC maintenance', '8000', 'Lead', 'amer', '15'],
    ['ENIAC tube supply', '900', 'Lost', 'emea', '300'],
    ['Colossus rebuild', '5000', 'Qualified', 'emea', '500'],
  ] as const) {
    await post('/api/deals', {
      title,
      amount,
      currency: 'USD',
      stage_id: stage(stageName),
      expected_close_date: '2030-03-15',
      custom_fields: { region, seats },
      ...(stageName === 'Lost' ? { lost_reason: 'price' } : {}),
    });
  }
}

test('the deals list: filter by status and a custom field, sort, save a view and find its tab again', async ({
  page,
}) => {
  await signUpFreshOrganization(page);
  await seed(page);
  await page.getByRole('link', { name: 'Deals' }).click();
  await expect(page.getByRole('region', { name: 'Stage Lead' })).toBeVisible();

  // The switch is a pair of links: reachable and followed by keyboard.
  const layouts = page.getByRole('group', { name: 'Show deals as' });
  await expect(layouts.getByRole('link', { name: 'Board', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
  await layouts.getByRole('link', { name: 'List', exact: true }).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/deals\/list$/);
  await expect(layouts.getByRole('link', { name: 'List', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
  const list = page.getByRole('table', { name: 'Deals' });
  await expect(list.getByRole('link')).toHaveText([
    'Colossus rebuild',
    'ENIAC tube supply',
    'UNIVAC maintenance',
    'Harvard Mark II support',
    'Navy compiler licence',
  ]);
  await expect(list.getByRole('columnheader')).toHaveText([
    'Title',
    'Status',
    'Amount',
    'Stage',
    'Owner',
    'Expected close',
  ]);
  await expect(list.getByRole('row', { name: /Navy compiler licence/ })).toContainText('$12,500.50');
  await expect(list.getByRole('row', { name: /Navy compiler licence/ })).toContainText('Proposal');
  await expect(page.getByText('5 deals, that is all.')).toBeVisible();

  // Open deals only.
  await page.getByRole('combobox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'Open', exact: true }).click();
  await expect(page).toHaveURL(/status=open/);
  await expect(list.getByRole('link')).toHaveText([
    'Colossus rebuild',
    'UNIVAC maintenance',
    'Navy compiler licence',
  ]);

  // In EMEA.
  await page.getByRole('button', { name: 'Custom field filter' }).click();
  const filter = page.getByRole('dialog', { name: 'Custom field filter' });
  await filter.getByRole('combobox', { name: 'Field' }).click();
  await filter.getByRole('option', { name: 'Region' }).click();
  await filter.getByRole('checkbox', { name: 'EMEA' }).check();
  await filter.getByRole('button', { name: 'Apply filter' }).click();
  await expect(filter).toBeHidden();
  await expect(page).toHaveURL(/cf\.region=emea/);
  await expect(list.getByRole('link')).toHaveText(['Colossus rebuild', 'Navy compiler licence']);
  await expect(page.getByRole('group', { name: 'Custom field filters' })).toContainText('Region: EMEA');

  // Sorted by amount, then by a custom field.
  const sort = page.getByRole('combobox', { name: 'Sort' });
  await sort.click();
  await page.getByRole('option', { name: 'Amount, high to low' }).click();
  await expect(list.getByRole('link')).toHaveText(['Navy compiler licence', 'Colossus rebuild']);
  await sort.click();
  await page.getByRole('option', { name: 'Seats, high to low' }).click();
  await expect(page).toHaveURL(/sort=-cf\.seats/);
  await expect(list.getByRole('link')).toHaveText(['Colossus rebuild', 'Navy compiler licence']);

  // Region and Seats as columns instead of the expected close date.
  const columns = page.getByRole('combobox', { name: 'Columns' });
  await columns.click({ force: true });
  await page.getByRole('option', { name: 'Expected close' }).click();
  await page.getByRole('option', { name: 'Region' }).click();
  await page.getByRole('option', { name: 'Seats' }).click();
  await page.keyboard.press('Escape');
  await expect(list.getByRole('columnheader')).toHaveText([
    'Title',
    'Status',
    'Amount',
    'Stage',
    'Owner',
    'Region',
    'Seats',
  ]);
  await expect(list.getByRole('row', { name: /Colossus rebuild/ })).toContainText('EMEA');
  await screenshot(page, '67-deals-list-filtered');

  // Saved as a shared view: a tab.
  await page.getByRole('button', { name: 'Save as view' }).click();
  const save = page.getByRole('dialog', { name: 'Save as view' });
  await save.getByRole('textbox', { name: 'Name' }).fill('Open in EMEA');
  await save.getByRole('checkbox', { name: 'Share with the organization' }).check();
  await save.getByRole('button', { name: 'Save view' }).click();
  const tabs = page.getByRole('tablist', { name: 'Saved views' });
  await expect(tabs.getByRole('tab', { name: /Open in EMEA/, selected: true })).toBeVisible();

  // After a reload the tab is there, chosen, with its list.
  await page.reload();
  await expect(tabs.getByRole('tab', { name: /Open in EMEA/, selected: true })).toBeVisible();
  await expect(list.getByRole('link')).toHaveText(['Colossus rebuild', 'Navy compiler licence']);

  // "All deals" is every deal again, in the default columns.
  await tabs.getByRole('tab', { name: 'All deals' }).click();
  await expect(list.getByRole('link')).toHaveCount(5);
  await expect(list.getByRole('row', { name: /ENIAC tube supply/ })).toContainText('lost');
  await expect(page.getByRole('group', { name: 'Custom field filters' })).toHaveCount(0);
  await screenshot(page, '68-deals-list-saved-view-tab');

  // The tab brings the view back; a deal opened from it leads back to it.
  await tabs.getByRole('tab', { name: /Open in EMEA/ }).click();
  await expect(list.getByRole('link')).toHaveText(['Colossus rebuild', 'Navy compiler licence']);
  await list.getByRole('link', { name: 'Navy compiler licence' }).click();
  await expect(page.getByRole('heading', { name: 'Navy compiler licence' })).toBeVisible();
  await page.getByRole('link', { name: '← Deals list' }).click();
  await expect(tabs.getByRole('tab', { name: /Open in EMEA/, selected: true })).toBeVisible();
  await expect(list.getByRole('link')).toHaveText(['Colossus rebuild', 'Navy compiler licence']);

  // Nothing matches: the list says so.
  await page.getByRole('textbox', { name: 'Search' }).fill('Babbage');
  await expect(page.getByRole('heading', { name: 'No deals match' })).toBeVisible();

  // Back to the board.
  await layouts.getByRole('link', { name: 'Board', exact: true }).click();
  await expect(page).toHaveURL(/\/deals$/);
  await expect(page.getByRole('region', { name: 'Stage Lead' })).toBeVisible();
});
