import nodemailer, { Transporter } from 'nodemailer';
import type { Invoice } from './invoiceService';
import { renderInvoicePdf } from './pdfService';
import { formatCents } from '../utils/money';
import { logger } from '../utils/logger';

const DEFAULT_FROM = 'Billing <billing@example.com>';
const MAX_ATTEMPTS = 3;
const RETRY_DELAY_MS = 2000;

let transporter: Transporter | null = null;

function getTransporter(): Transporter {
  if (!transporter) {
    transporter = nodemailer.createTransport({
      host: process.env.SMTP_HOST ?? 'localhost',
      port: Number(process.env.SMTP_PORT ?? 1025),
      auth: process.env.SMTP_USER
        ? { user: process.env.SMTP_USER, pass: process.env.SMTP_PASS ?? '' }
        : undefined,
    });
  }
  return transporter;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Emails the finalized invoice with its PDF attached, retrying on failure. */
export async function sendInvoiceEmail(invoice: Invoice, to?: string): Promise<string> {
  const pdf = await renderInvoicePdf(invoice);
  const recipient = to ?? `billing+${invoice.customerId}@example.com`; // FIXME: look up customer email
  let lastError: unknown;

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    try {
      const info = await getTransporter().sendMail({
        from: process.env.MAIL_FROM ?? DEFAULT_FROM,
        to: recipient,
        subject: `Invoice ${invoice.number}`,
        text: `Amount due: ${formatCents(invoice.totalCents, invoice.currency)} by ${invoice.dueDate}.`,
        attachments: [{ filename: `${invoice.number}.pdf`, content: pdf }],
      });
      return info.messageId as string;
    } catch (err) {
      lastError = err;
      logger.warn({ attempt, err }, 'send failed, retrying');
      await sleep(RETRY_DELAY_MS * attempt);
    }
  }
  throw lastError;
}
