package testenv

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPollWait(t *testing.T) {
	n := 0
	err := Poll{Interval: time.Millisecond}.Wait(func() error {
		if n++; n < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("Wait = %v after %d checks, want nil after 3", err, n)
	}
	err = Poll{Limit: 20 * time.Millisecond, Interval: time.Millisecond}.Wait(func() error { return errors.New("never") })
	if err == nil || !strings.Contains(err.Error(), "never") {
		t.Errorf("a check that never passes: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Poll{Ctx: ctx, Interval: time.Hour}.Wait(func() error { return errors.New("still") })
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still") {
		t.Errorf("an ended context: %v", err)
	}
}
