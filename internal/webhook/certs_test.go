package webhook

import (
	"bytes"
	"testing"
	"time"
)

func TestBundleLifecycle(t *testing.T) {
	hosts := []string{"weir-operator-webhook.ops.svc", "weir-operator-webhook.ops.svc.cluster.local", "127.0.0.1"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := NewBundle(Bundle{}, hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Fresh(hosts, now); err != nil {
		t.Fatalf("a new bundle is not fresh: %v", err)
	}
	if err := b.Fresh([]string{"other.ops.svc"}, now); err == nil {
		t.Error("a bundle is fresh for a host it does not cover")
	}
	if err := bundleOf(b.data()).Fresh(hosts, now); err != nil {
		t.Errorf("the bundle does not survive the Secret: %v", err)
	}

	// Near the serving certificate's end: renewed, under the same CA (the caBundle stays).
	later := now.Add(servingLifetime - renewBefore/2)
	if b.Fresh(hosts, later) == nil {
		t.Fatal("a serving certificate about to end is still fresh")
	}
	renewed, err := NewBundle(b, hosts, later)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(renewed.CACert, b.CACert) || bytes.Equal(renewed.Cert, b.Cert) {
		t.Error("renewal should keep the CA and replace the serving certificate")
	}
	if err := renewed.Fresh(hosts, later); err != nil {
		t.Errorf("the renewed bundle is not fresh: %v", err)
	}

	// Near the CA's end: a new CA.
	end := now.Add(caLifetime - renewBefore/2)
	fresh, err := NewBundle(b, hosts, end)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(fresh.CACert, b.CACert) {
		t.Error("a CA about to end was kept")
	}
	if err := fresh.Fresh(hosts, end); err != nil {
		t.Errorf("the bundle with a new CA is not fresh: %v", err)
	}

	// Damaged Secret data: not fresh, and replaced whole.
	broken := b
	broken.Key = []byte("garbage")
	if broken.Fresh(hosts, now) == nil {
		t.Error("a bundle with a broken key is fresh")
	}
	if _, err := NewBundle(Bundle{}, nil, now); err == nil {
		t.Error("a certificate for no host")
	}
}
