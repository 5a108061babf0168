import { expect, test } from '@playwright/test';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { screenshot, signUpFreshOrganization } from './fixtures';

/** A receiver on the loopback port the test server allows (E2E_WEBHOOK_PORT). */
function startReceiver(port: number) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  return new Promise<{ received: typeof received; close: () => void }>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve({ received, close: () => server.close() })),
  );
}

test('an admin adds a webhook endpoint and sees a signed delivery arrive', async ({ page }) => {
  const port = Number(process.env.E2E_WEBHOOK_PORT ?? '18091');
  const receiver = await startReceiver(port);
  try {
    await signUpFreshOrganization(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    await expect(page.getByText('No endpoints yet')).toBeVisible();

    await page.getByRole('textbox', { name: 'Endpoint URL' }).fill(`http://127.0.0.1:${port}/crm`);
    await page.getByRole('combobox', { name: 'Events' }).click();
    await page.getByRole('option', { name: 'contact.created' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const dialog = page.getByRole('dialog', { name: /Signing secret for/ });
    const secret = (await dialog.getByLabel('New signing secret').textContent())?.trim() ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // A contact made through the API of this session fires the event.
    const made = await page.request.post('/api/contacts', {
      data: { first_name: 'Grace', last_name: 'Hopper' },
    });
    expect(made.status()).toBe(201);
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    const delivery = receiver.received[0];
    if (!delivery) throw new Error('no delivery');
    expect(delivery.headers['webhook-signature']).toMatch(/^v1,/);
    expect(JSON.parse(delivery.body)).toMatchObject({
      type: 'contact.created',
      data: { first_name: 'Grace' },
    });

    const table = page.getByRole('table', { name: 'Webhook endpoints' });
    await expect(table).toContainText('contact.created');
    await screenshot(page, '42-webhooks');
    await table.getByRole('button', { name: 'Deliveries' }).click();
    const log = page.getByRole('table', { name: 'Deliveries' });
    await expect(log).toContainText('delivered');
    await expect(log).toContainText('204');
    const deliveries = page.getByRole('dialog', { name: /Deliveries to/ });
    await deliveries.evaluate((el) =>
      Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished)),
    );
    await screenshot(page, '43-webhook-deliveries');
    await log.getByRole('button', { name: 'Send again' }).click();
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(2);
    expect(receiver.received[1]?.headers['webhook-id']).toBe(delivery.headers['webhook-id']);
    await page.keyboard.press('Escape');

    // A new secret is shown once; the old one keeps signing for a day.
    await table.getByRole('button', { name: 'New secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Make a new secret' }).click();
    const rotated = page.getByRole('dialog', { name: /Signing secret for/ });
    const next = (await rotated.getByLabel('New signing secret').textContent())?.trim() ?? '';
    expect(next).toMatch(/^whsec_/);
    expect(next).not.toBe(secret);
    await rotated.getByRole('button', { name: 'Done' }).click();
  } finally {
    receiver.close();
  }
});
