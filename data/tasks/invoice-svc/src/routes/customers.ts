import { Router, Request, Response, NextFunction } from 'express';
import { z } from 'zod';
import { v4 as uuidv4 } from 'uuid';
import { pool } from '../db/pool';
import { parseBody } from '../utils/validate';

export const customerRouter = Router();

const customerSchema = z.object({
  name: z.string().min(1).max(200),
  email: z.string().email(),
  countryCode: z.string().length(2),
  vatId: z.string().max(20).optional(),
});

customerRouter.post('/', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const input = parseBody(customerSchema, req.body);
    const id = uuidv4();
    await pool.query(
      'INSERT INTO customers (id, name, email, country_code, vat_id) VALUES ($1, $2, $3, $4, $5)',
      [id, input.name, input.email, input.countryCode, input.vatId ?? null],
    );
    res.status(201).json({ id, ...input });
  } catch (err) {
    next(err);
  }
});

customerRouter.get('/:id', async (req: Request, res: Response, next: NextFunction) => {
  try {
    const { rows } = await pool.query('SELECT * FROM customers WHERE id = $1', [req.params.id]);
    if (rows.length === 0) {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

// TODO: add pagination once the customer list grows past a few hundred
customerRouter.get('/', async (_req: Request, res: Response, next: NextFunction) => {
  try {
    const { rows } = await pool.query('SELECT * FROM customers ORDER BY name');
    res.json(rows);
  } catch (err) {
    next(err);
  }
});
