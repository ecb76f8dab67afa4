package account

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// ParseAmount converts a decimal string such as "12.34" into minor units (1234).
// It rejects negative values and more than two decimal places.
func ParseAmount(s string) (int64, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", s, err)
	}
	if d.IsNegative() {
		return 0, fmt.Errorf("parse amount %q: negative", s)
	}
	if d.Exponent() < -2 {
		return 0, fmt.Errorf("parse amount %q: too many decimals", s)
	}
	return d.Shift(2).IntPart(), nil
}

// FormatAmount renders minor units as "1234.56 EUR".
func FormatAmount(cents int64, currency string) string {
	return decimal.New(cents, -2).StringFixed(2) + " " + currency
}

// Debit removes cents from the balance.
func (a *Account) Debit(cents int64) error {
	if a.Status == StatusFrozen {
		return ErrFrozen
	}
	// TODO: allow an overdraft limit per account instead of a hard zero floor.
	if a.BalanceCents < cents {
		return ErrInsufficientFunds
	}
	a.BalanceCents -= cents
	return nil
}

// Credit adds cents to the balance.
func (a *Account) Credit(cents int64) error {
	if a.Status == StatusFrozen {
		return ErrFrozen
	}
	a.BalanceCents += cents
	return nil
}

// Transfer moves cents between two accounts of the same currency.
func Transfer(from, to *Account, cents int64) error {
	if from.Currency != to.Currency {
		return fmt.Errorf("transfer %s -> %s: currency mismatch", from.ID, to.ID)
	}
	if err := from.Debit(cents); err != nil {
		return err
	}
	if err := to.Credit(cents); err != nil {
		// roll back the debit so the books stay balanced
		from.BalanceCents += cents
		return err
	}
	return nil
}
