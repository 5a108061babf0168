/**
 * Settings and the results file shared by the web performance measurements
 * (see web-perf.spec.ts). Everything comes from the environment that
 * `cargo xtask bench web` sets; the defaults fit a local bench server.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const webDir = path.resolve(import.meta.dirname, '..');

export const settings = {
  baseUrl: process.env.PERF_BASE_URL ?? 'http://127.0.0.1:18090',
  distDir: path.resolve(process.env.PERF_DIST_DIR ?? path.join(webDir, 'dist')),
  whaleEmail: process.env.PERF_WHALE_EMAIL ?? 'admin@org0.bench.test',
  boardEmail: process.env.PERF_BOARD_EMAIL ?? 'admin@org1.bench.test',
  password: process.env.PERF_PASSWORD ?? 'clearview-bench-password',
  // A relative PERF_OUT is taken from the working directory (web/ when run by xtask).
  outFile: process.env.PERF_OUT
    ? path.resolve(process.env.PERF_OUT)
    : path.resolve(webDir, '../target/web-perf.json'),
  viewport: { width: 1366, height: 860 },
} as const;

export type Results = Record<string, unknown>;

async function readResults(): Promise<Results> {
  if (!existsSync(settings.outFile)) return {};
  const parsed: unknown = JSON.parse(await readFile(settings.outFile, 'utf8'));
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Results) : {};
}

/** Replaces the whole results file (used once per run, before the first measurement). */
export async function writeResults(results: Results): Promise<void> {
  await mkdir(path.dirname(settings.outFile), { recursive: true });
  await writeFile(settings.outFile, `${JSON.stringify(results, null, 2)}\n`);
}

/** Read, merge, write: each measurement lands on its own, so one failing leaves the others. */
export async function recordResult(key: string, value: Results): Promise<void> {
  const results = await readResults();
  results[key] = { ...value, measured_at: new Date().toISOString() };
  await writeResults(results);
  console.log(`${key}: ${JSON.stringify(value, null, 2)}`);
}
