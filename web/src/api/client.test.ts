import { describe, expect, it, vi } from 'vitest';
import { createSessionFetch } from './client';

const BASE = 'http://app.test';

/** A fake server: protected routes answer 401 until a refresh succeeded. */
function fakeServer(opts: { refreshOk: boolean; refreshDelayMs?: number }) {
  let signedIn = false;
  const calls: string[] = [];
  const fetch = vi.fn(async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    calls.push(`${req.method} ${path}`);
    if (path === '/api/auth/refresh') {
      await new Promise((r) => setTimeout(r, opts.refreshDelayMs ?? 10));
      signedIn = opts.refreshOk;
      return new Response(null, { status: opts.refreshOk ? 200 : 401 });
    }
    if (path === '/api/auth/login') return new Response('{}', { status: 401 });
    if (!signedIn) return new Response('{}', { status: 401 });
    const body = req.method === 'GET' ? '' : await req.text();
    return Response.json({ path, body, contentType: req.headers.get('content-type') });
  });
  return { fetch, calls };
}

describe('session fetch', () => {
  it('shares one refresh between concurrent 401s and retries each request', async () => {
    const server = fakeServer({ refreshOk: true });
    const onSessionExpired = vi.fn();
    const f = createSessionFetch({
      fetch: server.fetch,
      refreshUrl: `${BASE}/api/auth/refresh`,
      onSessionExpired,
    });

    const responses = await Promise.all([
      f(new Request(`${BASE}/api/contacts`)),
      f(new Request(`${BASE}/api/deals`)),
      f(new Request(`${BASE}/api/contacts`, { method: 'POST', body: '{"first_name":"Ada"}' })),
    ]);

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(server.calls.filter((c) => c === 'POST /api/auth/refresh')).toHaveLength(1);
    const posted = (await responses[2].json()) as { body: string };
    expect(posted.body).toBe('{"first_name":"Ada"}');
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('retries without a second refresh when a refresh finished while the request was out', async () => {
    const server = fakeServer({ refreshOk: true, refreshDelayMs: 0 });
    const f = createSessionFetch({
      fetch: server.fetch,
      refreshUrl: `${BASE}/api/auth/refresh`,
      onSessionExpired: vi.fn(),
    });
    await f(new Request(`${BASE}/api/contacts`));
    await f(new Request(`${BASE}/api/contacts`));
    expect(server.calls.filter((c) => c === 'POST /api/auth/refresh')).toHaveLength(1);
  });

  it('reports an expired session once when the refresh fails', async () => {
    const server = fakeServer({ refreshOk: false });
    const onSessionExpired = vi.fn();
    const f = createSessionFetch({
      fetch: server.fetch,
      refreshUrl: `${BASE}/api/auth/refresh`,
      onSessionExpired,
    });

    const responses = await Promise.all([f(new Request(`${BASE}/api/a`)), f(new Request(`${BASE}/api/b`))]);

    expect(responses.map((r) => r.status)).toEqual([401, 401]);
    expect(server.calls.filter((c) => c === 'POST /api/auth/refresh')).toHaveLength(1);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('does not refresh on a wrong password at sign-in', async () => {
    const server = fakeServer({ refreshOk: true });
    const onSessionExpired = vi.fn();
    const f = createSessionFetch({
      fetch: server.fetch,
      refreshUrl: `${BASE}/api/auth/refresh`,
      onSessionExpired,
    });
    const res = await f(new Request(`${BASE}/api/auth/login`, { method: 'POST', body: '{}' }));
    expect(res.status).toBe(401);
    expect(server.calls).toEqual(['POST /api/auth/login']);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('sends Content-Type: application/json on unsafe requests without a body', async () => {
    const server = fakeServer({ refreshOk: true });
    const f = createSessionFetch({
      fetch: server.fetch,
      refreshUrl: `${BASE}/api/auth/refresh`,
      onSessionExpired: vi.fn(),
    });
    const res = await f(new Request(`${BASE}/api/jobs/1/retry`, { method: 'POST' }));
    const json = (await res.json()) as { contentType: string };
    expect(json.contentType).toBe('application/json');
  });
});
