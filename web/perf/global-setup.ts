import { settings, writeResults } from './common';

/**
 * Runs once per `playwright test` invocation: starts a fresh results file so
 * numbers left over from an earlier run are never mistaken for this one's.
 */
export default async function globalSetup(): Promise<void> {
  await writeResults({
    run: { started_at: new Date().toISOString(), base_url: settings.baseUrl, dist_dir: settings.distDir },
  });
}
