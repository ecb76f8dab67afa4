/**
 * Helpers for integer-cent arithmetic. Never store money as floats.
 */

const CURRENCY_SYMBOLS: Record<string, string> = {
  EUR: '€',
  USD: '$',
  GBP: '£',
  CHF: 'CHF ',
};

/** Rounds half away from zero, e.g. 2.5 -> 3 and -2.5 -> -3. */
export function roundHalfUp(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

export function formatCents(cents: number, currency: string): string {
  const symbol = CURRENCY_SYMBOLS[currency] ?? `${currency} `;
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const units = Math.floor(abs / 100);
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}${symbol}${units.toLocaleString('en-US')}.${rest}`;
}

export function parseAmount(input: string): number {
  const cleaned = input.replace(/[^0-9.,-]/g, '').replace(',', '.');
  const value = Number.parseFloat(cleaned);
  if (Number.isNaN(value)) {
    throw new Error(`not an amount: ${input}`);
  }
  return roundHalfUp(value * 100);
}

export function sumCents(values: number[]): number {
  return values.reduce((acc, v) => acc + v, 0);
}
