import { Router, Request, Response, NextFunction } from 'express';
import crypto from 'node:crypto';
import { markInvoicePaid } from '../services/invoiceService';
import { logger } from '../utils/logger';

export const paymentRouter = Router();

const SIGNATURE_HEADER = 'x-payment-signature';

/** Returns true when the HMAC-SHA256 of the raw body matches the header. */
export function verifySignature(rawBody: string, signature: string, secret: string): boolean {
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
  if (expected.length !== signature.length) {
    return false;
  }
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

paymentRouter.post('/webhook', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const secret = process.env.PAYMENT_WEBHOOK_SECRET ?? '';
    const signature = req.header(SIGNATURE_HEADER) ?? '';
    // FIXME: JSON.stringify does not reproduce the provider's raw body byte-for-byte
    if (!verifySignature(JSON.stringify(req.body), signature, secret)) {
      res.status(401).json({ error: 'bad_signature' });
      return;
    }
    const { invoiceId, amountCents, paidAt } = req.body as {
      invoiceId: string;
      amountCents: number;
      paidAt: string;
    };
    await markInvoicePaid(invoiceId, amountCents, paidAt);
    logger.info({ invoiceId, amountCents }, 'payment recorded');
    res.status(204).end();
  } catch (err) {
    next(err);
  }
});
