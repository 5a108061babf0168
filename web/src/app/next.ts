/** `/sign-in?next=…`, returning to `path` afterwards (never for auth pages themselves). */
export function signInPath(path: string): string {
  if (path === '/' || path.startsWith('/sign-in')) return '/sign-in';
  return `/sign-in?next=${encodeURIComponent(path)}`;
}

/** A `next` parameter, accepted only as a path on this site (no open redirect). */
export function safeNext(raw: string | null): string {
  if (!raw?.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/contacts';
  return raw;
}
