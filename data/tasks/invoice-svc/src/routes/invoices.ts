import { Router, Request, Response, NextFunction } from 'express';
import { z } from 'zod';
import {
  createInvoice,
  finalizeInvoice,
  getInvoice,
  listInvoices,
} from '../services/invoiceService';
import { renderInvoicePdf } from '../services/pdfService';
import { parseBody } from '../utils/validate';

export const invoiceRouter = Router();

const lineItemSchema = z.object({
  description: z.string().min(1).max(500),
  quantity: z.number().positive(),
  unitPriceCents: z.number().int().nonnegative(),
  taxCategory: z.enum(['standard', 'reduced', 'exempt']).default('standard'),
});

const createInvoiceSchema = z.object({
  customerId: z.string().uuid(),
  currency: z.string().length(3).optional(),
  issueDate: z.string().optional(),
  items: z.array(lineItemSchema).min(1),
  notes: z.string().max(2000).optional(),
});

invoiceRouter.get('/', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const page = Number(req.query.page ?? 1);
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    res.json(await listInvoices({ page, status }));
  } catch (err) {
    next(err);
  }
});

invoiceRouter.post('/', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const input = parseBody(createInvoiceSchema, req.body);
    const invoice = await createInvoice(input);
    res.status(201).json(invoice);
  } catch (err) {
    next(err);
  }
});

invoiceRouter.get('/:id', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const invoice = await getInvoice(req.params.id);
    if (!invoice) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json(invoice);
  } catch (err) {
    next(err);
  }
});

invoiceRouter.post('/:id/finalize', async (req: Request, res: Response, next: NextFunction) => {
  try {
    res.json(await finalizeInvoice(req.params.id));
  } catch (err) {
    next(err);
  }
});

invoiceRouter.get('/:id/pdf', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const invoice = await getInvoice(req.params.id);
    if (!invoice) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    const pdf = await renderInvoicePdf(invoice);
    res.type('application/pdf').send(pdf);
  } catch (err) {
    next(err);
  }
});
