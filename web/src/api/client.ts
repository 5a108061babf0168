/**
 * The one API client: openapi-fetch typed by the generated `schema.d.ts`,
 * over a fetch that keeps the cookie session alive.
 *
 * Session rules (tokens never reach JavaScript, they live in HttpOnly cookies):
 * - a 401 triggers one `POST /api/auth/refresh`; concurrent 401s share the
 *   refresh in flight, then each request is retried once;
 * - a request that started before a refresh finished is retried without a
 *   second refresh (the refresh token rotates: presenting an old one ends
 *   the session);
 * - when the refresh fails, `onSessionExpired` gets the current path so the
 *   app can send the person to `/sign-in?next=…`.
 */
import createClient from 'openapi-fetch';
import type { paths } from './schema';

type Fetch = (input: Request) => Promise<Response>;

export interface SessionFetchOptions {
  fetch: Fetch;
  refreshUrl: string;
  onSessionExpired: () => void;
}

/** Paths whose 401 means "wrong credentials", never "session expired". */
const PUBLIC_PATHS = [
  '/api/auth/login',
  '/api/auth/register',
  '/api/auth/refresh',
  '/api/auth/logout',
  '/api/auth/verify-email',
  '/api/auth/password-reset',
  '/api/auth/mfa/verify',
  '/api/invitations/accept',
];

function isPublic(url: string): boolean {
  const { pathname } = new URL(url);
  return PUBLIC_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function createSessionFetch(options: SessionFetchOptions): Fetch {
  let inFlight: Promise<boolean> | null = null;
  let generation = 0;
  let expiredReported = false;

  const refresh = (): Promise<boolean> => {
    inFlight ??= options
      .fetch(
        new Request(options.refreshUrl, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' },
        }),
      )
      .then(
        (res) => res.ok,
        () => false,
      )
      .then((ok) => {
        if (ok) {
          generation += 1;
          expiredReported = false;
        }
        return ok;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return async (input) => {
    const request = withJsonContentType(input);
    const retry = request.clone();
    const startedAt = generation;
    const response = await options.fetch(request);
    if (response.ok) expiredReported = false;
    if (response.status !== 401 || isPublic(request.url)) return response;

    const refreshed = generation !== startedAt || (await refresh());
    if (refreshed) return options.fetch(retry);
    if (!expiredReported) {
      expiredReported = true;
      options.onSessionExpired();
    }
    return response;
  };
}

/** Unsafe requests always say they are JSON (the server checks it with Origin). */
function withJsonContentType(request: Request): Request {
  if (SAFE_METHODS.has(request.method) || request.headers.has('Content-Type')) return request;
  const headers = new Headers(request.headers);
  headers.set('Content-Type', 'application/json');
  return new Request(request, { headers });
}

let sessionExpiredHandler: () => void = () => {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/sign-in?next=${encodeURIComponent(next)}`);
};

/** The app replaces the default full-page redirect with a router navigation. */
export function setSessionExpiredHandler(handler: () => void): void {
  sessionExpiredHandler = handler;
}

const origin = typeof window === 'undefined' ? 'http://localhost' : window.location.origin;

export const sessionFetch = createSessionFetch({
  fetch: (request) => globalThis.fetch(request),
  refreshUrl: `${origin}/api/auth/refresh`,
  onSessionExpired: () => {
    sessionExpiredHandler();
  },
});

export const api = createClient<paths>({
  baseUrl: origin,
  credentials: 'same-origin',
  fetch: sessionFetch,
});
