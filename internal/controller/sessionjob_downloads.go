package controller

import (
	"errors"
	"sync"
)

// errDownloadQueued says the jar was not fetched because the namespace already has a
// download running; the submit is retried shortly (it is safe to repeat).
var errDownloadQueued = errors.New("another jar download of this namespace is in progress")

// downloadSlots allows one jar download per namespace at a time, so one team's slow or
// stalled jar servers hold at most one reconcile worker, not all of them.
type downloadSlots struct {
	mu   sync.Mutex
	busy map[string]bool
}

func (s *downloadSlots) acquire(ns string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy[ns] {
		return false
	}
	if s.busy == nil {
		s.busy = map[string]bool{}
	}
	s.busy[ns] = true
	return true
}

func (s *downloadSlots) release(ns string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.busy, ns)
}
