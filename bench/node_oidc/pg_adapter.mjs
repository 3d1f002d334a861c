// A PostgreSQL adapter for node-oidc-provider: every model in one table, each payload as
// jsonb, keyed by model and id (the shape of the package's documented adapter interface and
// of its example adapters). bench/run.py gives it a fresh schema of the bench's database
// so that node-oidc-provider persists its refresh tokens' rotation as authserver does.
import pg from 'pg';

const TABLE = `CREATE TABLE IF NOT EXISTS oidc_model (
  model text NOT NULL,
  id text NOT NULL,
  payload jsonb NOT NULL,
  grant_id text,
  user_code text,
  uid text,
  expires_at timestamptz,
  consumed_at timestamptz,
  PRIMARY KEY (model, id))`;
const INDEXES = [
  'CREATE INDEX IF NOT EXISTS oidc_model_grant_id ON oidc_model (grant_id)',
  'CREATE INDEX IF NOT EXISTS oidc_model_user_code ON oidc_model (user_code)',
  'CREATE INDEX IF NOT EXISTS oidc_model_uid ON oidc_model (uid)',
];
const LIVE = '(expires_at IS NULL OR expires_at > now())';

/** The adapter class over a pool whose connections use `schema`, with its table created. */
export default async function postgresAdapter(connectionString, schema) {
  // the schema for every connection, in the startup packet: no query of its own
  const pool = new pg.Pool({ connectionString, options: `-c search_path=${schema}`, max: 10 });
  await pool.query(TABLE);
  for (const statement of INDEXES) await pool.query(statement);

  async function findWhere(model, column, value) {
    const { rows } = await pool.query(
      `SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND ${column} = $2 AND ${LIVE}`,
      [model, value],
    );
    if (rows.length === 0) return undefined;
    const [{ payload, consumed_at: consumedAt }] = rows;
    return consumedAt ? { ...payload, consumed: Math.floor(consumedAt.getTime() / 1000) } : payload;
  }

  return class PostgresAdapter {
    constructor(model) {
      this.model = model;
    }

    async upsert(id, payload, expiresIn) {
      await pool.query(
        `INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload,
           grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code, uid = EXCLUDED.uid,
           expires_at = EXCLUDED.expires_at`,
        [this.model, id, payload, payload.grantId ?? null, payload.userCode ?? null,
          payload.uid ?? null, expiresIn ?? null],
      );
    }

    find(id) { return findWhere(this.model, 'id', id); }

    findByUid(uid) { return findWhere(this.model, 'uid', uid); }

    findByUserCode(userCode) { return findWhere(this.model, 'user_code', userCode); }

    async consume(id) {
      await pool.query('UPDATE oidc_model SET consumed_at = now() WHERE model = $1 AND id = $2',
        [this.model, id]);
    }

    async destroy(id) {
      await pool.query('DELETE FROM oidc_model WHERE model = $1 AND id = $2', [this.model, id]);
    }

    async revokeByGrantId(grantId) {
      await pool.query('DELETE FROM oidc_model WHERE grant_id = $1', [grantId]);
    }
  };
}
