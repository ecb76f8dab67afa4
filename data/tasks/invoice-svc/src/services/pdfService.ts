import PDFDocument from 'pdfkit';
import type { Invoice } from './invoiceService';
import { formatCents } from '../utils/money';

const PAGE_SIZE = 'A4';
const FONT = 'Helvetica';
const MARGIN = 50;

/**
 * Renders an invoice to a PDF buffer. The layout is intentionally plain;
 * branding lives in the email template instead.
 */
export function renderInvoicePdf(invoice: Invoice): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: PAGE_SIZE, margin: MARGIN });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);

    doc.font(FONT).fontSize(20).text(`Invoice ${invoice.number ?? '(draft)'}`);
    doc.moveDown();
    doc.fontSize(10).text(`Issue date: ${invoice.issueDate}`);
    doc.text(`Due date: ${invoice.dueDate}`);
    doc.moveDown();

    for (const item of invoice.items) {
      const lineTotal = item.quantity * item.unitPriceCents;
      doc.text(`${item.quantity} x ${item.description}`, { continued: true });
      doc.text(formatCents(lineTotal, invoice.currency), { align: 'right' });
    }

    doc.moveDown();
    doc.text(`Subtotal: ${formatCents(invoice.subtotalCents, invoice.currency)}`, { align: 'right' });
    doc.text(`Tax: ${formatCents(invoice.taxCents, invoice.currency)}`, { align: 'right' });
    doc.fontSize(12).text(`Total: ${formatCents(invoice.totalCents, invoice.currency)}`, {
      align: 'right',
    });
    // TODO: render the logo from config pdf.logoPath
    doc.end();
  });
}
