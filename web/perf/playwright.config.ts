import { defineConfig } from '@playwright/test';
import { settings } from './common';

/**
 * Web performance measurements (not pass/fail tests), run by `cargo xtask bench web`
 * from web/ as `npx playwright test --config perf/playwright.config.ts`.
 * See web-perf.spec.ts for what is measured and common.ts for the environment.
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'web-perf.spec.ts',
  globalSetup: './global-setup.ts',
  outputDir: '../test-results/perf',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: settings.baseUrl,
    viewport: settings.viewport,
    headless: true,
    trace: 'off',
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download does not work here.
      executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
    },
  },
});
