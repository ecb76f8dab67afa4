import { Router, Request, Response } from 'express';
import { pool } from '../db/pool';

export const healthRouter = Router();

const STARTED_AT = Date.now();

healthRouter.get('/live', (_req: Request, res: Response) => {
  res.json({ status: 'ok', uptimeSec: Math.round((Date.now() - STARTED_AT) / 1000) });
});

healthRouter.get('/ready', async (_req: Request, res: Response) => {
  try {
    await pool.query('SELECT 1');
    res.json({ status: 'ready' });
  } catch {
    res.status(503).json({ status: 'db_unavailable' });
  }
});
