// A real OpenID provider for Kompetens's tests: the certified node-oidc-provider
// (npm "oidc-provider", pinned in package.json) with a small configuration.
// tests/oidc_idp.py starts it and waits for its ready line:
//
//     node tests/oidc_provider/provider.mjs [--host 127.0.0.1] [--port 0]
//
// It binds the port first (0: any free one), builds the provider with that
// address as its issuer and then prints
//     oidc-provider: ready at http://HOST:PORT
// It ends by itself within a second of its parent (the test run) ending.
//
// Clients (secrets are test values, also in tests/oidc_idp.py):
//   kompetens  the platform: code flow, PKCE required, client_secret_post
//   other      another application at the same provider (a wrong audience)
//   short      like kompetens, but its ID tokens live one second (expiry)
// Redirect and post-logout URIs: the registered ones, or the same path on any
// port of 127.0.0.1, localhost or Django's test client host "testserver"
// (the live test server's port is only known at run time).
//
// Accounts: the login form (devInteractions) takes any password; the login
// name picks the account. "anna.sso" (employee number E1001), "lena.leaver"
// (E1002), "okand" (E9999, unknown to Kompetens); any other name signs in
// as an account without an employee number.

import http from 'node:http';
import process from 'node:process';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

const CALLBACK_PATH = '/konto/oidc/callback/';
const LOGOUT_PATHS = ['/utloggad/', '/'];
const TEST_HOSTS = new Set(['127.0.0.1', 'localhost', 'testserver']);

const ACCOUNTS = {
  'anna.sso': {
    employee_number: 'E1001',
    email: 'anna.sso@stad.example',
    given_name: 'Anna',
    family_name: 'Ssonsson',
  },
  'lena.leaver': {
    employee_number: 'E1002',
    email: 'lena.leaver@stad.example',
    given_name: 'Lena',
    family_name: 'Leaver',
  },
  okand: {
    employee_number: 'E9999',
    email: 'okand@stad.example',
    given_name: 'Okänd',
    family_name: 'Person',
  },
};

function testUriAllowed(value, paths) {
  const url = URL.parse(value);
  return Boolean(
    url
      && url.protocol === 'http:'
      && TEST_HOSTS.has(url.hostname)
      && paths.includes(url.pathname)
      && !url.search
      && !url.hash,
  );
}

function client(clientId, secret) {
  return {
    client_id: clientId,
    client_secret: secret,
    redirect_uris: [`http://testserver${CALLBACK_PATH}`],
    post_logout_redirect_uris: LOGOUT_PATHS.map((path) => `http://testserver${path}`),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  };
}

const server = http.createServer();
server.listen(Number(args.port), args.host, async () => {
  const { port } = server.address();
  const issuer = `http://${args.host}:${port}`;

  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await jose.exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

  const provider = new Provider(issuer, {
    clients: [
      client('kompetens', 'kompetens-test-secret'),
      client('other', 'other-test-secret'),
      client('short', 'short-test-secret'),
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['kompetens-test-provider-cookie-key'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['given_name', 'family_name', 'name'],
      employee: ['employee_number'],
    },
    // The claims of the scopes asked for go into the ID token as well, as
    // Entra ID puts its optional claims there.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    ttl: {
      IdToken: (ctx, token, tokenClient) => (tokenClient?.clientId === 'short' ? 1 : 3600),
      AccessToken: 3600,
      AuthorizationCode: 600,
      Interaction: 3600,
      Session: 3600,
      Grant: 3600,
    },
    // First-party clients: no consent screen, the grant is given on sign-in.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        return ctx.oidc.provider.Grant.find(grantId);
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile employee');
      await grant.save();
      return grant;
    },
    async findAccount(ctx, accountId) {
      const known = ACCOUNTS[accountId] || {};
      return {
        accountId,
        async claims() {
          // The provider makes `sub` the account id (the login name).
          const claims = { sub: accountId, ...known };
          if (known.email) claims.email_verified = true;
          if (known.given_name) claims.name = `${known.given_name} ${known.family_name}`;
          return claims;
        },
      };
    },
  });

  const { redirectUriAllowed, postLogoutRedirectUriAllowed } = provider.Client.prototype;
  provider.Client.prototype.redirectUriAllowed = function allowed(value) {
    return redirectUriAllowed.call(this, value) || testUriAllowed(value, [CALLBACK_PATH]);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
    return postLogoutRedirectUriAllowed.call(this, value) || testUriAllowed(value, LOGOUT_PATHS);
  };
  // Test runs look at these: no need to repeat them on the console.
  provider.on('server_error', (ctx, error) => console.error('oidc-provider: server_error', error));

  server.on('request', provider.callback());
  console.log(`oidc-provider: ready at ${issuer}`);
});

// End with the parent (a killed pytest leaves no provider behind).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
process.on('SIGTERM', () => process.exit(0));
