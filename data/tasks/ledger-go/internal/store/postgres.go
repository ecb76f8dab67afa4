package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/brightfold/ledger-go/internal/account"
)

const uniqueViolation = "23505"

// PostgresStore keeps accounts and journal entries in PostgreSQL.
type PostgresStore struct {
	pool *pgxpool.Pool
}

// NewPostgres wraps an open connection pool.
func NewPostgres(pool *pgxpool.Pool) *PostgresStore {
	return &PostgresStore{pool: pool}
}

func (s *PostgresStore) GetAccount(ctx context.Context, id string) (*account.Account, error) {
	row := s.pool.QueryRow(ctx,
		`SELECT id, name, currency, status, created_at, balance_cents FROM accounts WHERE id = $1`, id)
	var a account.Account
	err := row.Scan(&a.ID, &a.Name, &a.Currency, &a.Status, &a.CreatedAt, &a.BalanceCents)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get account %s: %w", id, err)
	}
	return &a, nil
}

func (s *PostgresStore) SaveAccount(ctx context.Context, a *account.Account) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO accounts (id, name, currency, status, created_at, balance_cents)
		 VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, balance_cents = EXCLUDED.balance_cents`,
		a.ID, a.Name, a.Currency, a.Status, a.CreatedAt, a.BalanceCents)
	return err
}

func (s *PostgresStore) AppendEntry(ctx context.Context, e Entry) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx,
		`INSERT INTO entries (account_id, amount_cents, idempotency_key, memo)
		 VALUES ($1, $2, $3, $4) RETURNING id`,
		e.AccountID, e.AmountCents, e.IdempotencyKey, e.Memo).Scan(&id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == uniqueViolation {
		return 0, ErrDuplicateKey
	}
	return id, err
}

// TODO: switch to keyset pagination once the entries table passes a few million rows.
func (s *PostgresStore) ListEntries(ctx context.Context, accountID string, limit int) ([]Entry, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT id, account_id, amount_cents, idempotency_key, memo, posted_at
		 FROM entries WHERE account_id = $1 ORDER BY id DESC LIMIT $2`, accountID, pageSize(limit))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.AccountID, &e.AmountCents, &e.IdempotencyKey, &e.Memo, &e.PostedAt)
		return e, err
	})
}
