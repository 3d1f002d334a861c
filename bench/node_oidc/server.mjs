// node-oidc-provider issuing RS256 JWT access tokens (RFC 9068, 15 minutes) as authserver
// does, for bench/run.py to measure beside it on the same core:
//   - client_credentials for a confidential client (client_secret_basic);
//   - refresh_token with rotation for a public client, from tokens that POST /bench/seed?n=N
//     stores beforehand (one grant each, as after a sign-in; the request answers them one per
//     line). The adapter is the package's own memory adapter over a plain Map (its default
//     store is an LRU of 1,000 entries, which would drop the seeded tokens) or, given a
//     database, pg_adapter.mjs: the rotation then persisted in PostgreSQL, as authserver's is.
//   node server.mjs PORT CLIENT_ID CLIENT_SECRET PUBLIC_CLIENT_ID [DATABASE_URL SCHEMA]
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import postgresAdapter from './pg_adapter.mjs';

const [port, clientId, clientSecret, publicClientId, databaseUrl, schema] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig' };
const store = new Map();
const ACCOUNT = 'bench-user';
// sign-ins stored at once while seeding: a database adapter's round trips overlap
const SEED_BATCH = 64;

const adapter = databaseUrl
  ? await postgresAdapter(databaseUrl, schema)
  : (model) => new MemoryAdapter(model, store);

const provider = new Provider(issuer, {
  adapter,
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api',
  }, {
    client_id: publicClientId,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/callback'],
    token_endpoint_auth_method: 'none',
  }],
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  jwks: { keys: [jwk] },
  scopes: ['offline_access', 'api'],
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => issuer,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        audience: issuer,
        accessTokenTTL: 900,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});

/** One stored sign-in of the bench user: a grant and its refresh token's value. */
async function seedOne(client) {
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: publicClientId });
  grant.addResourceScope(issuer, 'api');
  const grantId = await grant.save();
  const token = new provider.RefreshToken({
    accountId: ACCOUNT, client, grantId, gty: 'authorization_code', scope: 'api', resource: issuer,
  });
  return token.save();
}

provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || ctx.path !== '/bench/seed') return next();
  const client = await provider.Client.find(publicClientId);
  const values = [];
  for (let left = Number(ctx.query.n); left > 0; left -= SEED_BATCH) {
    const batch = Array.from({ length: Math.min(left, SEED_BATCH) }, () => seedOne(client));
    values.push(...await Promise.all(batch));
  }
  ctx.type = 'text/plain';
  ctx.body = values.join('\n');
  return undefined;
});

provider.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${issuer}`));
