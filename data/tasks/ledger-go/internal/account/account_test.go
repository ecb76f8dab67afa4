package account

import (
	"errors"
	"testing"
)

func TestNewRejectsEmptyName(t *testing.T) {
	if _, err := New("a1", "   ", "EUR"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("want ErrInvalidName, got %v", err)
	}
}

func TestNewUnknownCurrency(t *testing.T) {
	if _, err := New("a1", "Ops float", "JPY"); !errors.Is(err, ErrUnknownCurrency) {
		t.Fatalf("want ErrUnknownCurrency, got %v", err)
	}
}

func TestParseAmount(t *testing.T) {
	got, err := ParseAmount("12.34")
	if err != nil {
		t.Fatal(err)
	}
	if got != 1234 {
		t.Fatalf("got %d, want 1234", got)
	}
}

func TestParseAmountTooManyDecimals(t *testing.T) {
	if _, err := ParseAmount("1.005"); err == nil {
		t.Fatal("expected an error for three decimals")
	}
}

func TestDebitInsufficientFunds(t *testing.T) {
	a, _ := New("a1", "Payroll", "USD")
	if err := a.Debit(1); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("want ErrInsufficientFunds, got %v", err)
	}
}

func TestTransferFrozenTarget(t *testing.T) {
	from, _ := New("a1", "Main", "EUR")
	to, _ := New("a2", "Savings", "EUR")
	from.BalanceCents = 500
	to.Freeze()
	if err := Transfer(from, to, 200); !errors.Is(err, ErrFrozen) {
		t.Fatalf("want ErrFrozen, got %v", err)
	}
	if from.BalanceCents != 500 {
		t.Fatalf("debit not rolled back: %d", from.BalanceCents)
	}
}
