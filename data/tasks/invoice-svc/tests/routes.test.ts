import request from 'supertest';
import { createApp } from '../src/app';

jest.mock('../src/db/pool', () => ({
  pool: { query: jest.fn().mockResolvedValue({ rows: [] }) },
  closePool: jest.fn(),
}));

describe('HTTP routes', () => {
  const app = createApp();

  it('GET /health/live returns ok', async () => {
    const res = await request(app).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });

  it('POST /api/v1/invoices validates the body', async () => {
    const res = await request(app).post('/api/v1/invoices').send({ items: [] });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe('validation_failed');
  });

  it('GET /api/v1/customers/:id returns 404 for unknown ids', async () => {
    const res = await request(app).get('/api/v1/customers/00000000-0000-0000-0000-000000000000');
    expect(res.status).toBe(404);
  });
});
