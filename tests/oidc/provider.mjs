// A real OpenID Provider (oidc-provider 9.13.3, an OpenID-certified
// implementation) for Clearview's single sign-on end-to-end tests.
// Usage and the exact login steps: README.md beside this file.
//
//   OIDC_PORT=0 OIDC_CLIENTS='[{"client_id":"clearview-test","client_secret":"secret-1",
//     "redirect_uris":["http://127.0.0.1:9/callback"]}]' node provider.mjs
//   -> stdout: OIDC_PROVIDER_READY http://127.0.0.1:<port>
import { createServer } from 'node:http';
import { generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

import Provider from 'oidc-provider';
// oidc-provider's own in-memory store (the package has no "exports" map, so
// the deep import is allowed; the version is pinned).
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

// stdout carries exactly one line, the ready line, so the test can read it and
// then stop reading. oidc-provider prints its "you SHOULD change ..." notices
// with console.info (stdout); send them to stderr with the warnings.
console.info = console.error;

const port = Number(process.env.OIDC_PORT ?? 0);
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]').map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  redirect_uris: c.redirect_uris,
  response_types: ['code'],
  grant_types: ['authorization_code'],
  // oidc-provider's default. It accepts client_secret_post from such a client
  // too: the two methods are interchangeable there.
  token_endpoint_auth_method: 'client_secret_basic',
}));

// Any login is accepted by the dev interactions (the password is ignored);
// the account's claims are derived from the login so a test picks them:
//   ann@example.com            -> email_verified true,  name "Ann"
//   unverified.bob@example.com -> email_verified false, name "Bob"
function claimsFor(login) {
  const local = login.split('@')[0].replace(/^unverified\./, '');
  const name = local.split(/[._+-]+/).filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
  return {
    sub: login,
    email: login,
    email_verified: !login.startsWith('unverified.'),
    name: name || login,
  };
}

// One RS256 key at a time; POST /__test/rotate-keys replaces it.
async function newSigningKey() {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

// What outlives a key rotation (a new Provider instance, see below): the
// store of sessions, grants and codes (by default each instance makes its own)
// and the cookie signing keys, so that a session or a code made before a
// rotation is still good after it.
const adapter = createMemoryAdapter(15); // 15 s: oidc-provider's default clockTolerance
const cookieKeys = [randomBytes(32).toString('base64url')];

function makeProvider(issuer, signingKey) {
  const provider = new Provider(issuer, {
    clients,
    adapter,
    jwks: { keys: [signingKey] },
    findAccount: (ctx, sub) => ({ accountId: sub, claims: () => claimsFor(sub) }),
    responseTypes: ['code'], // the code flow only (no implicit or hybrid)
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // By default the scope claims go only to userinfo whenever an access token
    // is issued (code flow); the tests read them from the ID token.
    conformIdTokenClaims: false,
    // By default PKCE is required only of public clients; require it of all.
    // S256 is the only method oidc-provider 9 supports.
    pkce: { required: () => true },
    cookies: { keys: cookieKeys },
    features: {
      devInteractions: { enabled: true }, // the login and consent HTML forms
      // Not part of the tested flow; off so they do not widen it.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
    },
  });
  // Why a request failed, for the test's log (stderr).
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (ctx, err) => console.error(`oidc-provider ${event}: ${err.name}: ${err.message}${err.error_detail ? ` (${err.error_detail})` : ''}`));
  }
  return provider;
}

let provider; // the current instance; replaced on key rotation
let handle = (req, res) => { res.statusCode = 503; res.end(); };

const server = createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (req.method === 'POST' && path === '/__test/rotate-keys' && provider) {
    // oidc-provider cannot change its keys at run time: build a new instance
    // on the same server (same issuer and port) with a fresh key and the same
    // store. The old key is gone from /jwks at once.
    newSigningKey().then((key) => {
      provider = makeProvider(provider.issuer, key);
      handle = provider.callback();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kid: key.kid }));
    }, (err) => { res.statusCode = 500; res.end(String(err)); });
    return;
  }
  handle(req, res);
});

server.listen(port, '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = makeProvider(issuer, await newSigningKey());
  handle = provider.callback();
  process.stdout.write(`OIDC_PROVIDER_READY ${issuer}\n`);
});

function stop() {
  server.closeAllConnections();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Opt-in: exit when stdin closes, i.e. when the test process that holds the
// other end of a piped stdin dies without killing this one.
if (process.env.OIDC_EXIT_ON_STDIN_CLOSE === '1') {
  process.stdin.on('end', stop).on('error', stop).resume();
}
