/**
 * Thin data-access layer over the invoices, invoice_items and payments tables.
 */
import { pool } from './pool';
import type { Invoice } from '../services/invoiceService';

interface InvoiceRow {
  id: string;
  number: string | null;
  customer_id: string;
  currency: string;
  status: Invoice['status'];
  issue_date: string;
  due_date: string;
  items: Invoice['items'];
  subtotal_cents: number;
  tax_cents: number;
  total_cents: number;
  notes: string | null;
}

function fromRow(row: InvoiceRow): Invoice {
  return {
    id: row.id,
    number: row.number,
    customerId: row.customer_id,
    currency: row.currency,
    status: row.status,
    issueDate: row.issue_date,
    dueDate: row.due_date,
    items: row.items,
    subtotalCents: row.subtotal_cents,
    taxCents: row.tax_cents,
    totalCents: row.total_cents,
    notes: row.notes ?? undefined,
  };
}

export async function insertInvoice(inv: Invoice): Promise<void> {
  await pool.query(
    `INSERT INTO invoices (id, number, customer_id, currency, status, issue_date, due_date,
       items, subtotal_cents, tax_cents, total_cents, notes)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [inv.id, inv.number, inv.customerId, inv.currency, inv.status, inv.issueDate, inv.dueDate,
      JSON.stringify(inv.items), inv.subtotalCents, inv.taxCents, inv.totalCents, inv.notes ?? null],
  );
}

export async function updateInvoice(inv: Invoice): Promise<void> {
  await pool.query('UPDATE invoices SET number = $2, status = $3, updated_at = now() WHERE id = $1', [
    inv.id,
    inv.number,
    inv.status,
  ]);
}

export async function findInvoiceById(id: string): Promise<Invoice | null> {
  const { rows } = await pool.query<InvoiceRow>('SELECT * FROM invoices WHERE id = $1', [id]);
  return rows.length ? fromRow(rows[0]) : null;
}

export async function findInvoices(opts: { limit: number; offset: number; status?: string }): Promise<Invoice[]> {
  const { rows } = await pool.query<InvoiceRow>(
    `SELECT * FROM invoices WHERE ($3::text IS NULL OR status = $3)
     ORDER BY issue_date DESC LIMIT $1 OFFSET $2`,
    [opts.limit, opts.offset, opts.status ?? null],
  );
  return rows.map(fromRow);
}

export async function nextInvoiceSequence(): Promise<number> {
  const { rows } = await pool.query<{ seq: string }>("SELECT nextval('invoice_number_seq') AS seq");
  return Number(rows[0].seq);
}

export async function insertPayment(invoiceId: string, amountCents: number, paidAt: string): Promise<void> {
  await pool.query('INSERT INTO payments (invoice_id, amount_cents, paid_at) VALUES ($1, $2, $3)', [
    invoiceId,
    amountCents,
    paidAt,
  ]);
}
