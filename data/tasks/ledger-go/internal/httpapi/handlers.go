package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/brightfold/ledger-go/internal/account"
	"github.com/brightfold/ledger-go/internal/store"
)

type createAccountRequest struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Currency string `json:"currency"`
}

type transferRequest struct {
	From           string `json:"from"`
	To             string `json:"to"`
	Amount         string `json:"amount"`
	IdempotencyKey string `json:"idempotency_key"`
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleCreateAccount(w http.ResponseWriter, r *http.Request) {
	var req createAccountRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	a, err := account.New(req.ID, req.Name, req.Currency)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err := s.store.SaveAccount(r.Context(), a); err != nil {
		writeError(w, http.StatusInternalServerError, "could not save account")
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) handleGetAccount(w http.ResponseWriter, r *http.Request) {
	a, err := s.store.GetAccount(r.Context(), chi.URLParam(r, "id"))
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "account not found")
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "lookup failed")
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleListEntries(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	entries, err := s.store.ListEntries(r.Context(), chi.URLParam(r, "id"), limit)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "list failed")
		return
	}
	writeJSON(w, http.StatusOK, entries)
}

// FIXME: the two SaveAccount calls are not atomic; a crash between them leaves the books unbalanced.
func (s *Server) handleTransfer(w http.ResponseWriter, r *http.Request) {
	var req transferRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body")
		return
	}
	cents, err := account.ParseAmount(req.Amount)
	if err != nil || cents == 0 || cents > s.maxTransferCents {
		writeError(w, http.StatusUnprocessableEntity, "invalid amount")
		return
	}
	ctx := r.Context()
	from, err1 := s.store.GetAccount(ctx, req.From)
	to, err2 := s.store.GetAccount(ctx, req.To)
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusNotFound, "account not found")
		return
	}
	if err := account.Transfer(from, to, cents); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	_ = s.store.SaveAccount(ctx, from)
	_ = s.store.SaveAccount(ctx, to)
	_, _ = s.store.AppendEntry(ctx, store.Entry{AccountID: from.ID, AmountCents: -cents, IdempotencyKey: req.IdempotencyKey})
	writeJSON(w, http.StatusOK, map[string]any{"from": from.BalanceCents, "to": to.BalanceCents})
}
