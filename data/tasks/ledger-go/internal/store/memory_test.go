package store

import (
	"context"
	"errors"
	"testing"

	"github.com/brightfold/ledger-go/internal/account"
)

func TestGetAccountNotFound(t *testing.T) {
	m := NewMemory()
	if _, err := m.GetAccount(context.Background(), "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
}

func TestSaveThenGet(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	a, _ := account.New("acc-7", "Treasury", "EUR")
	if err := m.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetAccount(ctx, "acc-7")
	if err != nil || got.Name != "Treasury" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestAppendEntryAssignsIDs(t *testing.T) {
	m := NewMemory()
	id1, _ := m.AppendEntry(context.Background(), Entry{AccountID: "a", AmountCents: 100})
	id2, _ := m.AppendEntry(context.Background(), Entry{AccountID: "a", AmountCents: -40})
	if id1 != 1 || id2 != 2 {
		t.Fatalf("ids = %d, %d", id1, id2)
	}
}

func TestAppendEntryDuplicateKey(t *testing.T) {
	m := NewMemory()
	e := Entry{AccountID: "a", AmountCents: 100, IdempotencyKey: "k-19"}
	if _, err := m.AppendEntry(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if _, err := m.AppendEntry(context.Background(), e); !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("want ErrDuplicateKey, got %v", err)
	}
}

func TestListEntriesNewestFirst(t *testing.T) {
	m := NewMemory()
	for i := 0; i < 3; i++ {
		_, _ = m.AppendEntry(context.Background(), Entry{AccountID: "a", AmountCents: int64(i)})
	}
	got, _ := m.ListEntries(context.Background(), "a", 0)
	if len(got) != 3 || got[0].ID != 3 {
		t.Fatalf("unexpected order: %+v", got)
	}
}

func TestListEntriesLimit(t *testing.T) {
	m := NewMemory()
	for i := 0; i < 10; i++ {
		_, _ = m.AppendEntry(context.Background(), Entry{AccountID: "b", AmountCents: 1})
	}
	got, _ := m.ListEntries(context.Background(), "b", 4)
	if len(got) != 4 {
		t.Fatalf("len = %d, want 4", len(got))
	}
}

func TestPageSizeBounds(t *testing.T) {
	if pageSize(0) != DefaultPageSize || pageSize(9999) != 500 {
		t.Fatal("pageSize bounds are wrong")
	}
}
