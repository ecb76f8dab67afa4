import { Pool, PoolConfig } from 'pg';

const DEFAULT_POOL_MAX = 10;
const IDLE_TIMEOUT_MS = 30_000;

function buildConfig(): PoolConfig {
  return {
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_MAX ?? DEFAULT_POOL_MAX),
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    statement_timeout: Number(process.env.DB_STATEMENT_TIMEOUT_MS ?? 5000),
  };
}

/** Shared connection pool; created once per process. */
export const pool = new Pool(buildConfig());

export async function closePool(): Promise<void> {
  await pool.end();
}
