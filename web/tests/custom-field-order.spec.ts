import { expect, test, type Page } from '@playwright/test';
import { screenshot, signUpFreshOrganization } from './fixtures';

/** A POST through the API (same session cookies) that must create something; returns its body. */
async function post(page: Page, url: string, data: object): Promise<{ id: string }> {
  const res = await page.request.post(url, { data, headers: { Origin: new URL(page.url()).origin } });
  expect(res.status(), `${url}: ${await res.text()}`).toBe(201);
  return (await res.json()) as { id: string };
}

const tierOptions = [
  { key: 'gold', label: 'Gold' },
  { key: 'silver', label: 'Silver' },
];

test('sort companies by a custom field both ways, and keep the sort in a saved view', async ({ page }) => {
  await signUpFreshOrganization(page);
  await post(page, '/api/custom-fields', {
    entity: 'company',
    key: 'tier',
    label: 'Tier',
    type: 'single_select',
    options: tierOptions,
  });
  await post(page, '/api/custom-fields', { entity: 'company', key: 'seats', label: 'Seats', type: 'number' });
  await post(page, '/api/custom-fields', {
    entity: 'company',
    key: 'notes',
    label: 'Notes',
    type: 'long_text',
  });
  for (const [name, seats] of [
    ['Babbage & Co', '5'],
    ['Difference Engines Ltd', '25'],
    ['Hollerith Tabulating', '1200'],
    ['Jacquard Looms', '40'],
    ['Analytical Society', null],
  ] as const) {
    await post(page, '/api/companies', { name, custom_fields: seats ? { seats, tier: 'gold' } : {} });
  }

  await page.getByRole('link', { name: 'Companies' }).click();
  const list = page.getByRole('table', { name: 'Companies' });
  await expect(list.getByRole('link')).toHaveText([
    'Analytical Society',
    'Babbage & Co',
    'Difference Engines Ltd',
    'Hollerith Tabulating',
    'Jacquard Looms',
  ]);
  // Show Seats, so the order can be seen.
  await page.getByRole('combobox', { name: 'Columns' }).click({ force: true });
  await page.getByRole('option', { name: 'Seats' }).click();
  await page.keyboard.press('Escape');

  // The sort control offers the sortable custom fields both ways; not long text.
  await page.getByRole('combobox', { name: 'Sort' }).click();
  const options = page.getByRole('listbox');
  await expect(options.getByRole('option', { name: 'Tier A–Z' })).toBeVisible();
  await expect(options.getByRole('option', { name: /Notes/ })).toHaveCount(0);
  const descending = page.waitForRequest(
    (r) => r.url().includes('/api/companies?') && r.url().includes('sort=-cf.seats'),
  );
  await options.getByRole('option', { name: 'Seats, high to low' }).click();
  await descending;
  await expect(page).toHaveURL(/sort=-cf\.seats/);
  // Highest first; a company without a value comes last.
  await expect(list.getByRole('link')).toHaveText([
    'Hollerith Tabulating',
    'Jacquard Looms',
    'Difference Engines Ltd',
    'Babbage & Co',
    'Analytical Society',
  ]);
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('Seats, high to low');
  await screenshot(page, '64-companies-sorted-by-custom-field');

  await page.getByRole('combobox', { name: 'Sort' }).click();
  await page.getByRole('option', { name: 'Seats, low to high' }).click();
  await expect(page).toHaveURL(/sort=cf\.seats/);
  await expect(list.getByRole('link')).toHaveText([
    'Babbage & Co',
    'Difference Engines Ltd',
    'Jacquard Looms',
    'Hollerith Tabulating',
    'Analytical Society',
  ]);

  // A saved view keeps the sort; "All" goes back to the list's own; the tab brings it back.
  await page.getByRole('button', { name: 'Save as view' }).click();
  const save = page.getByRole('dialog', { name: 'Save as view' });
  await save.getByRole('textbox', { name: 'Name' }).fill('Smallest first');
  await save.getByRole('button', { name: 'Save view' }).click();
  const tabs = page.getByRole('tablist', { name: 'Saved views' });
  await expect(tabs.getByRole('tab', { name: 'Smallest first', selected: true })).toBeVisible();
  await tabs.getByRole('tab', { name: 'All companies' }).click();
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('Name A–Z');
  await expect(list.getByRole('link').first()).toHaveText('Analytical Society');
  await tabs.getByRole('tab', { name: 'Smallest first' }).click();
  await expect(page).toHaveURL(/sort=cf\.seats/);
  await expect(page.getByRole('combobox', { name: 'Sort' })).toHaveValue('Seats, low to high');
  await expect(list.getByRole('link')).toHaveText([
    'Babbage & Co',
    'Difference Engines Ltd',
    'Jacquard Looms',
    'Hollerith Tabulating',
    'Analytical Society',
  ]);
  // Opened afresh, the view still sorts the same way.
  await page.reload();
  await expect(list.getByRole('link').first()).toHaveText('Babbage & Co');
  await expect(list.getByRole('link').last()).toHaveText('Analytical Society');
});

test('an admin reorders contact fields; the record card and the column picker follow', async ({ page }) => {
  await signUpFreshOrganization(page);
  await post(page, '/api/custom-fields', {
    entity: 'contact',
    key: 'language',
    label: 'Language',
    type: 'text',
  });
  await post(page, '/api/custom-fields', {
    entity: 'contact',
    key: 'renewal',
    label: 'Renewal',
    type: 'date',
  });
  await post(page, '/api/custom-fields', {
    entity: 'contact',
    key: 'tier',
    label: 'Tier',
    type: 'single_select',
    options: tierOptions,
  });
  const contact = await post(page, '/api/contacts', {
    first_name: 'Grace',
    last_name: 'Hopper',
    custom_fields: { language: 'COBOL', renewal: '2030-03-15', tier: 'gold' },
  });
  // The contacts page read the (then empty) contact fields before they were made.
  await page.reload();

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Custom fields' }).click();
  const table = page.getByRole('table', { name: 'Custom fields of contacts' });
  const labels = table.locator('tbody tr td:first-child');
  await expect(labels).toHaveText(['Language', 'Renewal', 'Tier']);
  await expect(table.getByRole('button', { name: 'Move Language up' })).toBeDisabled();
  await expect(table.getByRole('button', { name: 'Move Tier down' })).toBeDisabled();

  // Tier to the top: up twice (the second press waits until the first is saved).
  await table.getByRole('button', { name: 'Move Tier up' }).click();
  await expect(labels).toHaveText(['Language', 'Tier', 'Renewal']);
  await table.getByRole('button', { name: 'Move Tier up' }).click();
  await expect(labels).toHaveText(['Tier', 'Language', 'Renewal']);
  // And Renewal above Language, by keyboard: the button has the focus again once the move is saved.
  await table.getByRole('button', { name: 'Move Renewal up' }).focus();
  await page.keyboard.press('Enter');
  await expect(labels).toHaveText(['Tier', 'Renewal', 'Language']);
  await expect(table.getByRole('button', { name: 'Move Renewal up' })).toBeFocused();
  await expect(table.getByRole('button', { name: 'Move Tier up' })).toBeDisabled();
  await expect(table.getByRole('button', { name: 'Move Renewal up' })).toBeEnabled();
  await screenshot(page, '65-custom-fields-reordered');

  // Saved: a fresh load shows the same order.
  await page.reload();
  await expect(labels).toHaveText(['Tier', 'Renewal', 'Language']);

  // The contact's card lists the values in that order.
  await page.goto(`/contacts/${contact.id}`);
  const card = page.getByRole('region', { name: 'Custom fields' });
  await expect(card).toContainText('Gold');
  await expect(card).toHaveText(/Tier.*Gold.*Renewal.*2030.*Language.*COBOL/);

  // The list's column picker offers the fields in that order too.
  await page.getByRole('link', { name: '← Contacts' }).click();
  await page.getByRole('combobox', { name: 'Columns' }).click({ force: true });
  const picker = page.getByRole('option').filter({ hasText: /^(Tier|Renewal|Language)$/ });
  await expect(picker).toHaveText(['Tier', 'Renewal', 'Language']);
  await page.getByRole('option', { name: 'Language' }).click();
  await page.getByRole('option', { name: 'Tier' }).click();
  await page.keyboard.press('Escape');
  const list = page.getByRole('table', { name: 'Contacts' });
  await expect(list.getByRole('columnheader')).toHaveText([
    'Name',
    'E-mail',
    'Phone',
    'Title',
    'Owner',
    'Tier',
    'Language',
  ]);
});

test('deal cards on the board show their first two custom field values', async ({ page }) => {
  await signUpFreshOrganization(page);
  await post(page, '/api/custom-fields', {
    entity: 'deal',
    key: 'source',
    label: 'Source',
    type: 'single_select',
    options: [
      { key: 'referral', label: 'Referral' },
      { key: 'website', label: 'Website' },
    ],
  });
  await post(page, '/api/custom-fields', { entity: 'deal', key: 'seats', label: 'Seats', type: 'number' });
  await post(page, '/api/custom-fields', { entity: 'deal', key: 'renewal', label: 'Renewal', type: 'date' });
  for (const [title, custom] of [
    ['Navy compiler licence', { source: 'referral', seats: '1200', renewal: '2030-03-15' }],
    ['Harvard Mark II support', { renewal: '2031-01-31' }],
    ['UNIVAC maintenance', {}],
  ] as const) {
    await post(page, '/api/deals', { title, amount: '12500.50', currency: 'USD', custom_fields: custom });
  }

  await page.getByRole('link', { name: 'Deals' }).click();
  const card = (title: string) => page.getByRole('group', { name: `Deal ${title}` });
  // In position order, only the first two with a value.
  await expect(card('Navy compiler licence')).toContainText('Source: Referral');
  await expect(card('Navy compiler licence')).toContainText(/Seats: 1,?200/);
  await expect(card('Navy compiler licence')).not.toContainText('Renewal');
  // A field without a value leaves room for the next one.
  await expect(card('Harvard Mark II support')).toContainText(/Renewal: .*2031/);
  await expect(card('UNIVAC maintenance')).not.toContainText(':');
  await screenshot(page, '66-deal-cards-custom-fields');

  // Moving Renewal to the top in Settings changes what the cards show first.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: 'Custom fields' }).click();
  await page
    .locator('label')
    .filter({ hasText: /^Deals$/ })
    .click();
  const table = page.getByRole('table', { name: 'Custom fields of deals' });
  const labels = table.locator('tbody tr td:first-child');
  await table.getByRole('button', { name: 'Move Renewal up' }).click();
  await expect(labels).toHaveText(['Source', 'Renewal', 'Seats']);
  await table.getByRole('button', { name: 'Move Renewal up' }).click();
  await expect(labels).toHaveText(['Renewal', 'Source', 'Seats']);
  // Saved once the buttons are back.
  await expect(table.getByRole('button', { name: 'Move Renewal down' })).toBeEnabled();
  await page.getByRole('link', { name: 'Deals' }).click();
  await expect(card('Navy compiler licence')).toContainText(/Renewal: .*2030/);
  await expect(card('Navy compiler licence')).toContainText('Source: Referral');
  await expect(card('Navy compiler licence')).not.toContainText('Seats');
});
