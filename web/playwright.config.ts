import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs against a real server.
 * E2E_BASE_URL: where the web app is served (default http://127.0.0.1:8080).
 * E2E_MAIL_DIR: where the server writes e-mails as <id>.eml (see tests/mail.ts).
 * E2E_SCREENSHOT_DIR: where screenshots of the main screens go.
 */
export default defineConfig({
  testDir: './tests',
  // Traces go here; test-results/screenshots (see tests/fixtures.ts) is kept between runs.
  outputDir: './test-results/playwright',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:8080',
    viewport: { width: 1366, height: 860 },
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download does not work here.
      executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
    },
  },
});
