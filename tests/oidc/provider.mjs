// A real OpenID provider (panva's oidc-provider) for the portal's SSO tests: one confidential
// client, a few accounts, the library's own development login and consent forms.
//
//   PORT=4000 CLIENT_ID=portal CLIENT_SECRET=... REDIRECT_URI=http://127.0.0.1:8080/login/sso/callback \
//     node provider.mjs
//
// By default the e-mail claims are given at the userinfo endpoint only (the library's
// conformIdTokenClaims); EMAIL_IN_ID_TOKEN=1 puts them in the ID token as well.
//
// Prints `oidc-provider ready <issuer>` on stdout once it listens. At the login form any
// password is accepted: the account is the id typed (see ACCOUNTS).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? process.argv[2] ?? 0);
const clientId = process.env.CLIENT_ID ?? 'portal';
const clientSecret = process.env.CLIENT_SECRET;
const redirectUri = process.env.REDIRECT_URI;
if (!port || !clientSecret || !redirectUri) {
  console.error('PORT, CLIENT_ID, CLIENT_SECRET and REDIRECT_URI are needed');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

// Account id (typed at the login form) → the claims the provider asserts.
const ACCOUNTS = {
  // Matches a demo user; the case differs on purpose (e-mail is matched case-insensitively).
  officer: { email: 'Officer@Agency-A.demo', email_verified: true, name: 'Agency A officer' },
  // Matches a demo user the tests disable.
  responder: { email: 'responder@agency-a.demo', email_verified: true, name: 'Responder' },
  // Matches a demo user, but the provider has not verified the address.
  unverified: { email: 'ciso@agency-a.demo', email_verified: false, name: 'Unverified' },
  // Verified, but no portal user has it.
  stranger: { email: 'nobody@elsewhere.example', email_verified: true, name: 'Stranger' },
};

// A signing key (and key id) of its own each run, so the portal must fetch it from the JWKS,
// and a provider restarted on the same port looks like one that rotated its keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  use: 'sig',
  alg: 'RS256',
  kid: randomBytes(8).toString('hex'),
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  conformIdTokenClaims: process.env.EMAIL_IN_ID_TOKEN !== '1',
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...account };
      },
    };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
