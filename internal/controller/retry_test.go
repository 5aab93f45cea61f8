package controller

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"weir.dev/weir/internal/opconfig"
)

func TestRetryPolicyDelay(t *testing.T) {
	p := RetryPolicy{Initial: 5 * time.Second, Multiplier: 2, MaxInterval: time.Minute, MaxAttempts: 6, Fallback: 15 * time.Second}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute, 15 * time.Second, 15 * time.Second}
	for n, w := range want {
		if got := p.Delay(n); got != w {
			t.Errorf("Delay(%d) = %s, want %s", n, got, w)
		}
	}
	uncapped := RetryPolicy{Initial: time.Second, Multiplier: 10}
	if got := uncapped.Delay(40); got <= 0 {
		t.Errorf("an uncapped delay overflowed: %s", got)
	}
}

func TestRetryLimiterCountsPerResourceAndForgets(t *testing.T) {
	l := newRetryLimiter(RetryPolicy{Initial: time.Second, Multiplier: 3})
	a := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "n", Name: "a"}}
	b := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "n", Name: "b"}}
	if l.When(a) != time.Second || l.When(a) != 3*time.Second || l.When(b) != time.Second {
		t.Fatal("delays are not per resource")
	}
	if l.NumRequeues(a) != 2 {
		t.Errorf("NumRequeues = %d, want 2", l.NumRequeues(a))
	}
	l.Forget(a)
	if l.When(a) != time.Second {
		t.Error("a success must restart the backoff")
	}
}

func TestRetryPolicyFromOperatorConfig(t *testing.T) {
	s, problems := SettingsOf(opconfig.New(map[string]string{
		opconfig.RetryInitialInterval: "5 s", opconfig.RetryIntervalMultiplier: "1.5",
		opconfig.RetryMaxInterval: "2 min", opconfig.RetryMaxAttempts: "3", opconfig.ReconcileInterval: "1 min",
		opconfig.FlinkClientTimeout: "30 s",
	}))
	if s.FlinkClientTimeout != 30*time.Second {
		t.Errorf("flink client timeout %s, want 30s", s.FlinkClientTimeout)
	}
	want := RetryPolicy{Initial: 5 * time.Second, Multiplier: 1.5, MaxInterval: 2 * time.Minute, MaxAttempts: 3, Fallback: time.Minute}
	if s.Retry != want || len(problems) != 0 {
		t.Errorf("retry policy %+v (problems %v), want %+v", s.Retry, problems, want)
	}
	if _, problems := SettingsOf(opconfig.New(map[string]string{opconfig.RetryIntervalMultiplier: "0.5", opconfig.RetryMaxAttempts: "none"})); len(problems) != 2 {
		t.Errorf("bad retry values must be named: %v", problems)
	}
	store, err := opconfig.NewStore("")
	if err != nil {
		t.Fatal(err)
	}
	store.Set(opconfig.New(map[string]string{opconfig.RetryMaxAttempts: "3"}))
	o := controllerOptions(store, nil)
	if l, ok := o.RateLimiter.(*retryLimiter); !ok || l.policy.MaxAttempts != 3 {
		t.Errorf("the controllers' rate limiter does not follow the operator config: %#v", o.RateLimiter)
	}
}
