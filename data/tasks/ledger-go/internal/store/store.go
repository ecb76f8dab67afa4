package store

import (
	"context"
	"errors"
	"time"

	"github.com/brightfold/ledger-go/internal/account"
)

// ErrNotFound is returned when an account or entry does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicateKey is returned when an idempotency key was already used.
var ErrDuplicateKey = errors.New("store: duplicate idempotency key")

// DefaultPageSize is used by ListEntries when the caller passes 0.
const DefaultPageSize = 50

// Entry is one line of the journal: a signed movement on one account.
type Entry struct {
	ID             int64
	AccountID      string
	AmountCents    int64
	IdempotencyKey string
	Memo           string
	PostedAt       time.Time
}

// Store is the persistence boundary used by the HTTP layer.
type Store interface {
	GetAccount(ctx context.Context, id string) (*account.Account, error)
	SaveAccount(ctx context.Context, a *account.Account) error
	AppendEntry(ctx context.Context, e Entry) (int64, error)
	ListEntries(ctx context.Context, accountID string, limit int) ([]Entry, error)
}

func pageSize(limit int) int {
	if limit <= 0 {
		return DefaultPageSize
	}
	if limit > 500 {
		return 500
	}
	return limit
}
