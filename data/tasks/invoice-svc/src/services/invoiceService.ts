/**
 * Business logic for creating, numbering and finalizing invoices.
 */
import { v4 as uuidv4 } from 'uuid';
import dayjs from 'dayjs';
import * as repo from '../db/invoiceRepo';
import { computeTotals, TaxCategory } from './taxService';
import { sendInvoiceEmail } from './emailService';
import { addDays, toIsoDate } from '../utils/dates';
import { logger } from '../utils/logger';

const NUMBER_PREFIX = 'INV-';
const NUMBER_PADDING = 6;
const PAYMENT_TERMS_DAYS = 14;
const PAGE_SIZE = 50;

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'void';

export interface LineItem {
  description: string;
  quantity: number;
  unitPriceCents: number;
  taxCategory: TaxCategory;
}

export interface Invoice {
  id: string;
  number: string | null;
  customerId: string;
  currency: string;
  status: InvoiceStatus;
  issueDate: string;
  dueDate: string;
  items: LineItem[];
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
  notes?: string;
}

export interface CreateInvoiceInput {
  customerId: string;
  currency?: string;
  issueDate?: string;
  items: LineItem[];
  notes?: string;
}

export function formatInvoiceNumber(sequence: number): string {
  return NUMBER_PREFIX + String(sequence).padStart(NUMBER_PADDING, '0');
}

export async function createInvoice(input: CreateInvoiceInput): Promise<Invoice> {
  const issueDate = input.issueDate ?? toIsoDate(dayjs());
  const totals = computeTotals(input.items);
  const invoice: Invoice = {
    id: uuidv4(),
    number: null,
    customerId: input.customerId,
    currency: input.currency ?? 'EUR',
    status: 'draft',
    issueDate,
    dueDate: addDays(issueDate, PAYMENT_TERMS_DAYS),
    items: input.items,
    ...totals,
    notes: input.notes,
  };
  await repo.insertInvoice(invoice);
  return invoice;
}

export async function getInvoice(id: string): Promise<Invoice | null> {
  return repo.findInvoiceById(id);
}

export async function listInvoices(opts: { page: number; status?: string }): Promise<Invoice[]> {
  const offset = Math.max(0, opts.page - 1) * PAGE_SIZE;
  return repo.findInvoices({ limit: PAGE_SIZE, offset, status: opts.status });
}

export async function finalizeInvoice(id: string): Promise<Invoice> {
  const invoice = await repo.findInvoiceById(id);
  if (!invoice) {
    throw new Error(`invoice ${id} not found`);
  }
  if (invoice.status !== 'draft') {
    throw new Error(`invoice ${id} is already ${invoice.status}`);
  }
  // TODO: sequence allocation should happen in the same transaction as the update
  const sequence = await repo.nextInvoiceSequence();
  const finalized: Invoice = { ...invoice, number: formatInvoiceNumber(sequence), status: 'open' };
  await repo.updateInvoice(finalized);
  await sendInvoiceEmail(finalized).catch((err: unknown) =>
    logger.warn({ err, id }, 'invoice email failed'),
  );
  return finalized;
}

export async function markInvoicePaid(id: string, amountCents: number, paidAt: string): Promise<void> {
  const invoice = await repo.findInvoiceById(id);
  if (!invoice || invoice.status !== 'open') {
    logger.warn({ id }, 'payment for unknown or non-open invoice');
    return;
  }
  if (amountCents < invoice.totalCents) {
    // TODO: support partial payments
    logger.warn({ id, amountCents }, 'partial payment ignored');
    return;
  }
  await repo.updateInvoice({ ...invoice, status: 'paid' });
  await repo.insertPayment(id, amountCents, paidAt);
}
