import { computeTotals, isReverseCharge, rateFor } from '../src/services/taxService';

describe('taxService', () => {
  it('returns the configured rate for each category', () => {
    expect(rateFor('standard')).toBe(0.19);
    expect(rateFor('reduced')).toBe(0.07);
    expect(rateFor('exempt')).toBe(0);
  });

  it('computes totals for a single standard-rated item', () => {
    const totals = computeTotals([{ quantity: 2, unitPriceCents: 1000, taxCategory: 'standard' }]);
    expect(totals).toEqual({ subtotalCents: 2000, taxCents: 380, totalCents: 2380 });
  });

  it('rounds once per category, not per line', () => {
    const totals = computeTotals([
      { quantity: 1, unitPriceCents: 333, taxCategory: 'reduced' },
      { quantity: 1, unitPriceCents: 333, taxCategory: 'reduced' },
    ]);
    expect(totals.taxCents).toBe(47);
  });

  it('skips tax under reverse charge', () => {
    const totals = computeTotals([{ quantity: 1, unitPriceCents: 5000, taxCategory: 'standard' }], true);
    expect(totals.taxCents).toBe(0);
    expect(totals.totalCents).toBe(5000);
  });

  it('treats exempt items as zero tax', () => {
    const totals = computeTotals([{ quantity: 3, unitPriceCents: 100, taxCategory: 'exempt' }]);
    expect(totals.taxCents).toBe(0);
  });

  it('applies reverse charge only with a VAT id in a listed country', () => {
    expect(isReverseCharge('nl', 'NL123456789B01')).toBe(true);
    expect(isReverseCharge('NL')).toBe(false);
    expect(isReverseCharge('US', 'X1')).toBe(false);
  });
});
