import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

const failingImpacts = new Set(['serious', 'critical']);
const targetsShown = 3;

/**
 * Runs axe-core on the page as it is now and fails the test listing each
 * violation whose impact is serious or critical: rule id, impact, and the
 * first few target selectors. The assertion is soft, so the test goes on and
 * one run reports every screen that falls short.
 */
export async function expectNoSeriousA11yViolations(page: Page, screenName: string): Promise<void> {
  // The pointer rests where the last click left it; a hover style must not
  // decide the result (the same screen must pass or fail every run).
  await page.mouse.move(0, 0);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact != null && failingImpacts.has(v.impact));
  const report = serious.map((v) => {
    const targets = v.nodes.slice(0, targetsShown).map((n) => JSON.stringify(n.target));
    const more = v.nodes.length > targetsShown ? ` (+${v.nodes.length - targetsShown} more)` : '';
    return `- ${v.id} [${v.impact}] ${v.help}\n    ${targets.join('\n    ')}${more}`;
  });
  expect
    .soft(serious.length, `axe: serious/critical violations on "${screenName}":\n${report.join('\n')}`)
    .toBe(0);
}
