package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/brightfold/ledger-go/internal/store"
)

// requestTimeout caps how long any single handler may run.
const requestTimeout = 8 * time.Second

// Server exposes the ledger over JSON/HTTP.
type Server struct {
	store            store.Store
	log              *slog.Logger
	maxTransferCents int64
	router           chi.Router
}

// NewServer wires routes and middleware and returns an http.Handler.
func NewServer(st store.Store, log *slog.Logger, maxTransferCents int64) *Server {
	s := &Server{store: st, log: log, maxTransferCents: maxTransferCents}
	r := chi.NewRouter()
	r.Use(middleware.RequestID)
	r.Use(middleware.Recoverer)
	r.Use(middleware.Timeout(requestTimeout))

	r.Get("/healthz", s.handleHealth)
	r.Route("/v1/accounts", func(r chi.Router) {
		r.Post("/", s.handleCreateAccount)
		r.Get("/{id}", s.handleGetAccount)
		r.Get("/{id}/entries", s.handleListEntries)
	})
	r.Post("/v1/transfers", s.handleTransfer)
	s.router = r
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
