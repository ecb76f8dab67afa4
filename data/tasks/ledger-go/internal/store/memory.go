package store

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/brightfold/ledger-go/internal/account"
)

// MemoryStore is an in-process Store used by tests and the local demo mode.
type MemoryStore struct {
	mu       sync.RWMutex
	accounts map[string]account.Account
	entries  []Entry
	keys     map[string]struct{}
	nextID   int64
}

// NewMemory returns an empty MemoryStore.
func NewMemory() *MemoryStore {
	return &MemoryStore{
		accounts: make(map[string]account.Account),
		keys:     make(map[string]struct{}),
		nextID:   1,
	}
}

func (m *MemoryStore) GetAccount(_ context.Context, id string) (*account.Account, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	a, ok := m.accounts[id]
	if !ok {
		return nil, ErrNotFound
	}
	return &a, nil
}

func (m *MemoryStore) SaveAccount(_ context.Context, a *account.Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.accounts[a.ID] = *a
	return nil
}

func (m *MemoryStore) AppendEntry(_ context.Context, e Entry) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.IdempotencyKey != "" {
		if _, seen := m.keys[e.IdempotencyKey]; seen {
			return 0, ErrDuplicateKey
		}
		m.keys[e.IdempotencyKey] = struct{}{}
	}
	e.ID = m.nextID
	e.PostedAt = time.Now().UTC()
	m.nextID++
	m.entries = append(m.entries, e)
	return e.ID, nil
}

func (m *MemoryStore) ListEntries(_ context.Context, accountID string, limit int) ([]Entry, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Entry
	for _, e := range m.entries {
		if e.AccountID == accountID {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	if n := pageSize(limit); len(out) > n {
		out = out[:n]
	}
	return out, nil
}
