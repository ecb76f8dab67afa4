import { createInvoice, finalizeInvoice, formatInvoiceNumber } from '../src/services/invoiceService';
import * as repo from '../src/db/invoiceRepo';
import * as email from '../src/services/emailService';

jest.mock('../src/db/invoiceRepo');
jest.mock('../src/services/emailService');

const mockedRepo = repo as jest.Mocked<typeof repo>;
const mockedEmail = email as jest.Mocked<typeof email>;

const CUSTOMER_ID = '6f1c2a7e-4b1d-4f7a-9a53-0d2b8c1e9f10';

describe('invoiceService', () => {
  beforeEach(() => {
    jest.resetAllMocks();
  });

  it('pads invoice numbers to six digits', () => {
    expect(formatInvoiceNumber(42)).toBe('INV-000042');
  });

  it('creates a draft with a due date 14 days out', async () => {
    const inv = await createInvoice({
      customerId: CUSTOMER_ID,
      issueDate: '2024-03-01',
      items: [{ description: 'Consulting', quantity: 1, unitPriceCents: 10000, taxCategory: 'standard' }],
    });
    expect(inv.status).toBe('draft');
    expect(inv.dueDate).toBe('2024-03-15');
    expect(inv.totalCents).toBe(11900);
    expect(mockedRepo.insertInvoice).toHaveBeenCalledTimes(1);
  });

  it('refuses to finalize a missing invoice', async () => {
    mockedRepo.findInvoiceById.mockResolvedValue(null);
    await expect(finalizeInvoice('nope')).rejects.toThrow('not found');
  });

  it('assigns a number and emails on finalize', async () => {
    mockedRepo.findInvoiceById.mockResolvedValue({
      id: 'a', number: null, customerId: CUSTOMER_ID, currency: 'EUR', status: 'draft',
      issueDate: '2024-03-01', dueDate: '2024-03-15', items: [],
      subtotalCents: 0, taxCents: 0, totalCents: 0,
    });
    mockedRepo.nextInvoiceSequence.mockResolvedValue(1001);
    mockedEmail.sendInvoiceEmail.mockResolvedValue('msg-1');

    const inv = await finalizeInvoice('a');
    expect(inv.number).toBe('INV-001001');
    expect(inv.status).toBe('open');
    expect(mockedEmail.sendInvoiceEmail).toHaveBeenCalled();
  });
});
