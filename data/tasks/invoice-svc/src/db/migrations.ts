/**
 * Minimal forward-only migration runner. Each migration runs in its own
 * transaction and is recorded in schema_migrations.
 */
import { pool } from './pool';
import { logger } from '../utils/logger';

interface Migration {
  id: number;
  name: string;
  sql: string;
}

const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'create_customers',
    sql: `CREATE TABLE IF NOT EXISTS customers (
      id uuid PRIMARY KEY, name text NOT NULL, email text NOT NULL,
      country_code char(2) NOT NULL, vat_id text, created_at timestamptz DEFAULT now())`,
  },
  {
    id: 2,
    name: 'create_invoices',
    sql: `CREATE TABLE IF NOT EXISTS invoices (
      id uuid PRIMARY KEY, number text UNIQUE, customer_id uuid REFERENCES customers(id),
      currency char(3) NOT NULL, status text NOT NULL, issue_date date NOT NULL,
      due_date date NOT NULL, items jsonb NOT NULL, subtotal_cents bigint NOT NULL,
      tax_cents bigint NOT NULL, total_cents bigint NOT NULL, notes text,
      updated_at timestamptz DEFAULT now());
      CREATE SEQUENCE IF NOT EXISTS invoice_number_seq START 1000`,
  },
  {
    id: 3,
    name: 'create_payments',
    sql: `CREATE TABLE IF NOT EXISTS payments (
      id bigserial PRIMARY KEY, invoice_id uuid REFERENCES invoices(id),
      amount_cents bigint NOT NULL, paid_at timestamptz NOT NULL)`,
  },
];

export async function runMigrations(): Promise<number> {
  const client = await pool.connect();
  let applied = 0;
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (id int PRIMARY KEY, name text)');
    const { rows } = await client.query<{ id: number }>('SELECT id FROM schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const m of MIGRATIONS) {
      if (done.has(m.id)) continue;
      await client.query('BEGIN');
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      await client.query('COMMIT');
      logger.info({ migration: m.name }, 'applied migration');
      applied++;
    }
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return applied;
}

if (require.main === module && process.argv[2] === 'up') {
  runMigrations()
    .then((n) => logger.info({ applied: n }, 'migrations complete'))
    .finally(() => pool.end());
}
