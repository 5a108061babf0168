import { api } from '../api/client';
import { unwrap } from '../api/result';

/**
 * Downloads a file the server streams (CSV exports): the session is checked
 * first through the client (refreshing it if needed), then the browser
 * fetches the file itself and streams it to disk instead of into memory.
 */
export async function downloadFromApi(path: string): Promise<void> {
  await unwrap(api.GET('/api/auth/me'));
  const a = document.createElement('a');
  a.href = path;
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
}

/** Saves data the page already holds (e.g. the personal-data export) as a file. */
export function saveJson(filename: string, data: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}
