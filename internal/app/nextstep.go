package app

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
)

// NextStep adds to an error of the API server what to do about it, for the classes whose
// cause lies outside the verb: no connection, no permission, no CRDs, a concurrent edit.
// Other errors (the verbs' own, which already say what to do) pass unchanged.
func NextStep(err error) error {
	if err == nil {
		return nil
	}
	hint := ""
	var opErr *net.OpError
	var urlErr *url.Error
	switch {
	case apierrors.IsForbidden(err):
		hint = "your kubeconfig's user may not do this: `kubectl auth can-i` tells what it may; ask for a role that allows it, or pass another --kubeconfig"
	case apierrors.IsUnauthorized(err):
		hint = "the API server did not accept your credentials: renew them (log in again) or pass another --kubeconfig"
	case apierrors.IsConflict(err):
		hint = "the app changed while the verb ran (the operator writes its status often): run the verb again"
	case apimeta.IsNoMatchError(err):
		hint = "the cluster lacks weir's CRDs: `weir operator install` installs them"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &opErr), errors.As(err, &urlErr), strings.Contains(err.Error(), "connection refused"):
		hint = "the API server did not answer: is the cluster up (`weir local status` for the local one)? --kubeconfig picks another"
	}
	if hint == "" {
		return err
	}
	return &nextStepError{err: err, hint: hint}
}

type nextStepError struct {
	err  error
	hint string
}

func (e *nextStepError) Error() string { return e.err.Error() + "\n" + e.hint }
func (e *nextStepError) Unwrap() error { return e.err }
