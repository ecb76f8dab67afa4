import express, { Express, NextFunction, Request, Response } from 'express';
import { invoiceRouter } from './routes/invoices';
import { customerRouter } from './routes/customers';
import { paymentRouter } from './routes/payments';
import { healthRouter } from './routes/health';
import { logger } from './utils/logger';
import { ValidationError } from './utils/validate';

const BODY_LIMIT = '256kb';

/**
 * Builds the Express application without binding a port, so tests can
 * drive it through supertest.
 */
export function createApp(): Express {
  const app = express();

  app.disable('x-powered-by');
  app.use(express.json({ limit: BODY_LIMIT }));

  app.use('/health', healthRouter);
  app.use('/api/v1/invoices', invoiceRouter);
  app.use('/api/v1/customers', customerRouter);
  app.use('/api/v1/payments', paymentRouter);

  app.use(errorHandler);
  return app;
}

function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ValidationError) {
    res.status(422).json({ error: 'validation_failed', issues: err.issues });
    return;
  }
  // FIXME: errors thrown from pg are leaking constraint names to clients
  logger.error({ err, path: req.path }, 'unhandled error');
  res.status(500).json({ error: 'internal_error' });
}
