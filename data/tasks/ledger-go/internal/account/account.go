package account

import (
	"errors"
	"strings"
	"time"
)

// Currency codes accepted by the ledger.
const (
	CurrencyEUR = "EUR"
	CurrencyUSD = "USD"
	CurrencyGBP = "GBP"
)

// MaxNameLength bounds the display name of an account.
const MaxNameLength = 64

var (
	ErrInsufficientFunds = errors.New("account: insufficient funds")
	ErrFrozen            = errors.New("account: account is frozen")
	ErrUnknownCurrency   = errors.New("account: unknown currency")
	ErrInvalidName       = errors.New("account: invalid name")
)

// Status is the lifecycle state of an account.
type Status int

const (
	StatusActive Status = iota
	StatusFrozen
	StatusClosed
)

func (s Status) String() string {
	switch s {
	case StatusActive:
		return "active"
	case StatusFrozen:
		return "frozen"
	case StatusClosed:
		return "closed"
	default:
		return "unknown"
	}
}

// Account holds a single balance in one currency.
type Account struct {
	ID        string
	Name      string
	Currency  string
	Status    Status
	CreatedAt time.Time
	// BalanceCents is kept in minor units to avoid float rounding.
	BalanceCents int64
}

// New validates its input and returns an active account with a zero balance.
func New(id, name, currency string) (*Account, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLength {
		return nil, ErrInvalidName
	}
	currency = strings.ToUpper(currency)
	if !ValidCurrency(currency) {
		return nil, ErrUnknownCurrency
	}
	return &Account{
		ID:        id,
		Name:      name,
		Currency:  currency,
		Status:    StatusActive,
		CreatedAt: time.Now().UTC(),
	}, nil
}

// ValidCurrency reports whether c is one of the supported currency codes.
func ValidCurrency(c string) bool {
	switch c {
	case CurrencyEUR, CurrencyUSD, CurrencyGBP:
		return true
	}
	return false
}

// Freeze blocks debits and credits until the account is reactivated.
func (a *Account) Freeze() {
	a.Status = StatusFrozen
}
