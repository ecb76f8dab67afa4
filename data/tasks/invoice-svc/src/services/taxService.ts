/**
 * VAT calculation. All amounts are integer cents; rounding happens once
 * per tax category, not per line, to match how our accountants book it.
 */
import { roundHalfUp } from '../utils/money';

export type TaxCategory = 'standard' | 'reduced' | 'exempt';

export const TAX_RATES: Record<TaxCategory, number> = {
  standard: 0.19,
  reduced: 0.07,
  exempt: 0,
};

export const REVERSE_CHARGE_COUNTRIES: readonly string[] = ['AT', 'BE', 'FR', 'NL', 'PL'];

export interface TaxableItem {
  quantity: number;
  unitPriceCents: number;
  taxCategory: TaxCategory;
}

export interface Totals {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

export function rateFor(category: TaxCategory): number {
  return TAX_RATES[category];
}

export function isReverseCharge(customerCountry: string, vatId?: string): boolean {
  return Boolean(vatId) && REVERSE_CHARGE_COUNTRIES.includes(customerCountry.toUpperCase());
}

export function computeTotals(items: TaxableItem[], reverseCharge = false): Totals {
  const netByCategory = new Map<TaxCategory, number>();
  for (const item of items) {
    const net = item.quantity * item.unitPriceCents;
    netByCategory.set(item.taxCategory, (netByCategory.get(item.taxCategory) ?? 0) + net);
  }

  let subtotalCents = 0;
  let taxCents = 0;
  for (const [category, net] of netByCategory) {
    const roundedNet = roundHalfUp(net);
    subtotalCents += roundedNet;
    if (!reverseCharge) {
      taxCents += roundHalfUp(roundedNet * rateFor(category));
    }
  }

  return { subtotalCents, taxCents, totalCents: subtotalCents + taxCents };
}
