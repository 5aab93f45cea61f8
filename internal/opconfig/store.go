package opconfig

import (
	"context"
	"crypto/sha256"
	"sort"
	"sync"
	"time"
)

// Store holds the current operator config and reloads it from its directory. Kubernetes
// updates a mounted ConfigMap by swapping a symlink, so the store compares a hash of the
// files' content rather than watching one file.
type Store struct {
	dir string

	mu   sync.RWMutex
	cur  *Config
	hash [32]byte
	bad  [32]byte // content that failed to parse: reported once, not on every poll
	subs []chan struct{}
}

// NewStore loads the config of dir ("" is an empty config). A file that cannot be parsed
// at start is an error: the operator should not start on a config it misreads.
func NewStore(dir string) (*Store, error) {
	s := &Store{dir: dir, cur: New(nil)}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Current returns the config in force. A nil store is an empty config.
func (s *Store) Current() *Config {
	if s == nil {
		return New(nil)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur
}

// Set replaces the config and tells subscribers (Reload uses it; tests may too).
func (s *Store) Set(c *Config) {
	s.mu.Lock()
	s.cur = c
	subs := append([]chan struct{}(nil), s.subs...)
	s.mu.Unlock()
	for _, ch := range subs {
		select {
		case ch <- struct{}{}:
		default: // a change is already pending for this subscriber
		}
	}
}

// Changed returns a channel that receives a value after each change of the config.
func (s *Store) Changed() <-chan struct{} {
	ch := make(chan struct{}, 1)
	if s == nil {
		return ch
	}
	s.mu.Lock()
	s.subs = append(s.subs, ch)
	s.mu.Unlock()
	return ch
}

// Reload reads the directory again and, when its content changed, parses and installs
// it. A config that fails to parse is an error and the last good one stays in force.
func (s *Store) Reload() (changed bool, err error) {
	if s.dir == "" {
		return false, nil
	}
	files, err := ReadDir(s.dir)
	if err != nil {
		return false, err
	}
	h := hashFiles(files)
	s.mu.RLock()
	same := s.hash == h || s.bad == h
	s.mu.RUnlock()
	if same {
		return false, nil
	}
	flat, err := Parse(files)
	s.mu.Lock()
	if err != nil {
		s.bad = h
	} else {
		s.hash = h
	}
	s.mu.Unlock()
	if err != nil {
		return false, err
	}
	s.Set(New(flat))
	return true, nil
}

// Poll reloads every interval until ctx ends, calling report after each attempt that
// changed something or failed.
func (s *Store) Poll(ctx context.Context, every time.Duration, report func(changed bool, err error)) {
	if s == nil || s.dir == "" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := s.Reload(); changed || err != nil {
				report(changed, err)
			}
		}
	}
}

func hashFiles(files map[string][]byte) [32]byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(files[n])
		h.Write([]byte{0})
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}
