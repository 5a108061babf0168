// Logs in against provider.mjs over plain HTTP, the way the Rust end-to-end
// tests do: no browser, fetch with redirect: 'manual' and a cookie jar.
// It starts the provider, logs in as ann@example.com and as
// unverified.bob@example.com, rotates the signing key and logs in again.
//
//   node login-demo.mjs          (DEMO_NAIVE_JAR=1: a jar keyed by name only)
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const CLIENT = { client_id: 'clearview-test', client_secret: 'secret-1', redirect_uri: 'http://127.0.0.1:9/callback' };
const b64url = (buf) => Buffer.from(buf).toString('base64url');
const log = (...a) => console.log(...a);

// A minimal cookie jar for one host: keeps each cookie's path and sends a
// cookie only to requests under that path (RFC 6265 path-match), drops
// expired ones. DEMO_NAIVE_JAR=1 ignores paths (one value per name) to show
// that a simple jar works too.
class CookieJar {
  naive = process.env.DEMO_NAIVE_JAR === '1';
  cookies = new Map(); // key -> { name, value, path }

  constructor(host) { this.host = host; }

  async fetch(url, init) {
    const u = new URL(url);
    const headers = { ...init.headers };
    if (u.host === this.host) { // provider cookies go back to the provider only
      const pairs = [...this.cookies.values()]
        .filter((c) => this.naive || u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
        .map((c) => `${c.name}=${c.value}`);
      if (pairs.length) headers.cookie = pairs.join('; ');
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    if (u.host === this.host) {
      for (const line of res.headers.getSetCookie()) {
        const [pair, ...attrs] = line.split(';').map((x) => x.trim());
        const name = pair.slice(0, pair.indexOf('='));
        const value = pair.slice(pair.indexOf('=') + 1);
        const attr = Object.fromEntries(attrs.map((a) => [a.split('=')[0].toLowerCase(), a.split('=').slice(1).join('=')]));
        const path = attr.path || '/';
        const key = this.naive ? name : `${name};${path}`;
        const expired = attr.expires && new Date(attr.expires) <= new Date();
        if (expired || value === '') this.cookies.delete(key);
        else this.cookies.set(key, { name, value, path });
      }
    }
    return res;
  }
}

// ---- start the provider and wait for its ready line ----
const started = performance.now();
const child = spawn(process.execPath, [new URL('./provider.mjs', import.meta.url).pathname], {
  env: {
    ...process.env,
    OIDC_PORT: '0',
    OIDC_CLIENTS: JSON.stringify([{ client_id: CLIENT.client_id, client_secret: CLIENT.client_secret, redirect_uris: [CLIENT.redirect_uri] }]),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [readyLine] = await once(createInterface({ input: child.stdout }), 'line');
const issuer = readyLine.match(/^OIDC_PROVIDER_READY (\S+)$/)[1];
log(`provider ready in ${(performance.now() - started).toFixed(0)} ms: ${readyLine}`);

try {
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const jwks1 = await (await fetch(discovery.jwks_uri)).json();
  log(`JWKS kids: ${jwks1.keys.map((k) => k.kid).join(', ')}`);

  const ann = await login(discovery, 'ann@example.com', { verbose: true });
  const bob = await login(discovery, 'unverified.bob@example.com', { clientAuth: 'client_secret_post' });
  check(ann.claims.email_verified === true && bob.claims.email_verified === false, 'email_verified true/false');

  const rotated = await (await fetch(`${issuer}/__test/rotate-keys`, { method: 'POST' })).json();
  const jwks2 = await (await fetch(discovery.jwks_uri)).json();
  log(`\nPOST /__test/rotate-keys -> ${JSON.stringify(rotated)}`);
  log(`JWKS kids now: ${jwks2.keys.map((k) => k.kid).join(', ')}`);
  const after = await login(discovery, 'ann@example.com');
  check(jwks2.keys.length === 1 && jwks2.keys[0].kid === rotated.kid && rotated.kid !== jwks1.keys[0].kid, 'JWKS holds only the new kid');
  check(after.header.kid === rotated.kid, 'the new ID token is signed with the new kid');
  check(!jwks2.keys.some((k) => k.kid === ann.header.kid), 'the old kid is gone from the JWKS');
  log('\nall checks passed');
} finally {
  child.kill('SIGTERM');
  const [code, signal] = await once(child, 'exit');
  log(`provider exited on SIGTERM: code ${code}, signal ${signal}`);
}

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  log(`ok: ${what}`);
}

// ---- one login: authorization request -> forms -> code -> tokens ----
async function login(discovery, loginName, { verbose = false, clientAuth = 'client_secret_basic' } = {}) {
  log(`\n=== login as ${loginName} (token request with ${clientAuth}) ===`);
  const say = verbose ? log : () => {};
  const jar = new CookieJar(new URL(issuer).host);
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const verifier = b64url(randomBytes(32));
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  const auth = new URL(discovery.authorization_endpoint);
  auth.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT.client_id,
    redirect_uri: CLIENT.redirect_uri,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  let request = { method: 'GET', url: auth.href };
  let callback;
  for (let step = 0; step < 10 && !callback; step++) {
    const res = await jar.fetch(request.url, request);
    const u = new URL(request.url);
    say(`${request.method} ${u.pathname}${request.body ? `  body: ${request.body}` : ''}`);
    say(`  -> ${res.status} ${res.headers.get('location') ?? res.headers.get('content-type')}`);
    for (const c of res.headers.getSetCookie()) say(`     set-cookie: ${c}`);
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location'), request.url);
      if (next.href.startsWith(CLIENT.redirect_uri)) callback = next;
      else request = { method: 'GET', url: next.href };
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${html}`);
    // A dev-interaction page: one <form action=".../interaction/<uid>" method="post">
    // with a hidden "prompt" input: "login" (plus login and password) or "consent".
    const action = html.match(/<form[^>]*action="([^"]+)"[^>]*method="post"/)[1].replaceAll('&#x2F;', '/').replaceAll('&amp;', '&');
    const prompt = html.match(/name="prompt" value="([^"]+)"/)[1];
    const form = prompt === 'login' ? { prompt, login: loginName, password: 'anything' } : { prompt };
    say(`     (HTML form, prompt=${prompt}, action=${action})`);
    request = {
      method: 'POST',
      url: new URL(action, request.url).href,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    };
  }
  if (!callback) throw new Error('no redirect to the redirect_uri');
  const params = callback.searchParams;
  if (params.get('error')) throw new Error(`authorization error: ${params}`);
  if (params.get('state') !== state) throw new Error('state mismatch');
  say(`callback: ${callback.href}`);

  // Token request (no cookies). client_secret_basic: Authorization: Basic
  // base64(urlencode(id) ":" urlencode(secret)); client_secret_post: client_id
  // and client_secret in the form body. The provider accepts either.
  const form = { grant_type: 'authorization_code', code: params.get('code'), redirect_uri: CLIENT.redirect_uri, code_verifier: verifier };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (clientAuth === 'client_secret_basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT.client_id)}:${encodeURIComponent(CLIENT.client_secret)}`).toString('base64')}`;
  } else {
    Object.assign(form, { client_id: CLIENT.client_id, client_secret: CLIENT.client_secret });
  }
  const tokenRes = await fetch(discovery.token_endpoint, { method: 'POST', headers, body: new URLSearchParams(form) });
  const tokens = await tokenRes.json();
  if (tokenRes.status !== 200) throw new Error(`token error ${tokenRes.status}: ${JSON.stringify(tokens)}`);
  say(`POST ${new URL(discovery.token_endpoint).pathname} (${headers.authorization ? 'Authorization: Basic ...' : 'no Authorization'})  body: ${Object.keys(form).join(', ')}`);
  say(`  -> ${tokenRes.status} keys: ${Object.keys(tokens).join(', ')}`);

  // Check the ID token's signature against the JWKS and print its claims.
  const [h, p, s] = tokens.id_token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const jwk = (await (await fetch(discovery.jwks_uri)).json()).keys.find((k) => k.kid === header.kid);
  const signed = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  if (!signed || claims.nonce !== nonce || claims.iss !== issuer || claims.aud !== CLIENT.client_id) throw new Error('bad ID token');
  log(`ID token header: ${JSON.stringify(header)}`);
  const { iss, aud, sub, nonce: n, email, email_verified, name } = claims;
  log(`ID token claims: ${JSON.stringify({ iss, aud, sub, nonce: n, email, email_verified, name })}`);
  say(`all claims: ${JSON.stringify(claims)}`);
  const userinfo = await (await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
  say(`GET /me (Bearer access_token) -> ${JSON.stringify(userinfo)}`);
  return { header, claims };
}
