package controller

import (
	"math"
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// RetryPolicy is how a resource whose reconcile failed is tried again, FKO's
// kubernetes.operator.retry.* keys: initial × multiplier^n, capped at MaxInterval; after
// MaxAttempts failures in a row the resource falls back to the regular reconcile interval
// instead of retrying ever more slowly or stopping.
type RetryPolicy struct {
	Initial     time.Duration
	Multiplier  float64
	MaxInterval time.Duration
	MaxAttempts int
	Fallback    time.Duration // the reconcile interval
}

// DefaultRetryPolicy doubles from 1 s over 15 attempts, each wait at most 5 minutes. FKO
// starts at 5 s and sets no cap; weir starts sooner because a failed step of a rollout
// (a REST call, an API write) is usually transient and the job is stopped meanwhile, and
// caps the wait so that a resource fixed by hand is picked up soon.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Initial: time.Second, Multiplier: 2, MaxInterval: 5 * time.Minute, MaxAttempts: 15, Fallback: pollStable}
}

// Delay is the wait before retry number n+1 after n earlier failures in a row.
func (p RetryPolicy) Delay(n int) time.Duration {
	if p.MaxAttempts > 0 && n >= p.MaxAttempts {
		return p.Fallback
	}
	d := float64(p.Initial) * math.Pow(p.Multiplier, float64(n))
	if p.MaxInterval > 0 && d > float64(p.MaxInterval) {
		return p.MaxInterval
	}
	if d > float64(math.MaxInt64/2) {
		return time.Duration(math.MaxInt64 / 2)
	}
	return time.Duration(d)
}

// retryLimiter is the workqueue rate limiter that applies a RetryPolicy per resource.
type retryLimiter struct {
	policy   RetryPolicy
	mu       sync.Mutex
	failures map[reconcile.Request]int
}

var _ workqueue.TypedRateLimiter[reconcile.Request] = (*retryLimiter)(nil)

func newRetryLimiter(p RetryPolicy) *retryLimiter {
	return &retryLimiter{policy: p, failures: map[reconcile.Request]int{}}
}

func (l *retryLimiter) When(r reconcile.Request) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.failures[r]
	l.failures[r] = n + 1
	return l.policy.Delay(n)
}

func (l *retryLimiter) Forget(r reconcile.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, r)
}

func (l *retryLimiter) NumRequeues(r reconcile.Request) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failures[r]
}
