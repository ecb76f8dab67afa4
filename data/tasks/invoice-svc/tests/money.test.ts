import { formatCents, parseAmount, roundHalfUp, sumCents } from '../src/utils/money';

describe('money utils', () => {
  test('roundHalfUp rounds away from zero', () => {
    expect(roundHalfUp(2.5)).toBe(3);
    expect(roundHalfUp(-2.5)).toBe(-3);
    expect(roundHalfUp(2.4)).toBe(2);
  });

  test('formatCents uses the currency symbol', () => {
    expect(formatCents(123456, 'EUR')).toBe('€1,234.56');
    expect(formatCents(5, 'USD')).toBe('$0.05');
  });

  test('formatCents falls back to the ISO code', () => {
    expect(formatCents(100, 'SEK')).toBe('SEK 1.00');
  });

  test('formatCents handles negative amounts', () => {
    expect(formatCents(-250, 'GBP')).toBe('-£2.50');
  });

  test('parseAmount accepts a comma decimal separator', () => {
    expect(parseAmount('12,50 €')).toBe(1250);
  });

  test('parseAmount rejects garbage', () => {
    expect(() => parseAmount('abc')).toThrow('not an amount');
  });

  test('sumCents adds integer values', () => {
    expect(sumCents([100, 250, 5])).toBe(355);
    expect(sumCents([])).toBe(0);
  });
});
