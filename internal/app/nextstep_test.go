package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestNextStep(t *testing.T) {
	gr := schema.GroupResource{Group: "flink.apache.org", Resource: "flinkdeployments"}
	for _, tc := range []struct {
		name string
		err  error
		want string // "" : unchanged
	}{
		{"forbidden", fmt.Errorf("patch x: %w", apierrors.NewForbidden(gr, "x", errors.New("no"))), "kubectl auth can-i"},
		{"unauthorized", apierrors.NewUnauthorized("expired"), "renew them"},
		{"conflict", apierrors.NewConflict(gr, "x", errors.New("changed")), "run the verb again"},
		{"no CRDs", &apimeta.NoKindMatchError{GroupKind: schema.GroupKind{Group: "flink.apache.org", Kind: "FlinkDeployment"}}, "weir operator install"},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, "weir local status"},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), "is the cluster up"},
		{"no kubeconfig (RESTConfig says what to do)", fmt.Errorf("no usable kubeconfig (%w)", &os.PathError{Op: "stat", Path: "/kc", Err: syscall.ENOENT}), ""},
		{"a verb's own", errors.New("--parallelism 0: give a parallelism of 1 or more"), ""},
		{"not found (Find says what to do)", apierrors.NewNotFound(gr, "x"), ""},
	} {
		got := NextStep(tc.err)
		if tc.want == "" {
			if got != tc.err { //nolint:errorlint // the very same error, not one wrapping it
				t.Errorf("%s: %v changed to %v", tc.name, tc.err, got)
			}
			continue
		}
		if !strings.HasPrefix(got.Error(), tc.err.Error()+"\n") || !strings.Contains(got.Error(), tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("%s: %q, want the error, then %q, still wrapping it", tc.name, got, tc.want)
		}
	}
	if NextStep(nil) != nil {
		t.Error("NextStep(nil) must be nil")
	}
}
