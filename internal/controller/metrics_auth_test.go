package controller_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"weir.dev/weir/internal/operator"
)

// The operator's /metrics, served with the options NewManager uses, asks the real API
// server who the caller is (TokenReview) and whether it may get /metrics
// (SubjectAccessReview): no token is refused, a token without the role is forbidden, a
// ServiceAccount bound to the chart's metrics-reader role reads the metrics.
func TestMetricsNeedATokenAllowedToReadThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	addr := serveMetrics(t)

	ns := newNamespace(t)
	reader := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "weir-metrics-reader-" + ns},
		Rules: []rbacv1.PolicyRule{{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}}}
	allowed := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "prometheus"}}
	other := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "other"}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "weir-metrics-reader-" + ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: reader.Name},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: allowed.Name}}}
	for _, err := range []error{
		k8s.Create(ctx, reader), k8s.Create(ctx, allowed), k8s.Create(ctx, other), k8s.Create(ctx, binding),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = k8s.Delete(context.Background(), binding)
		_ = k8s.Delete(context.Background(), reader)
	})

	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		// The certificate is self-signed: this test is about who may read, not the CA.
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := c.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor(t, "metrics server answering", func() error {
		if code, body := get(""); code == 0 {
			return fmt.Errorf("no answer: %s", body)
		}
		return nil
	})
	if code, body := get(""); code != http.StatusUnauthorized && code != http.StatusForbidden {
		t.Errorf("anonymous request: %d %.200s", code, body)
	}
	if code, body := get(tokenFor(t, other)); code != http.StatusForbidden {
		t.Errorf("token without the role: %d %.200s", code, body)
	}
	// Role bindings reach the authorizer's cache shortly after they are written.
	token := tokenFor(t, allowed)
	waitFor(t, "metrics for the reader's token", func() error {
		if code, body := get(token); code != http.StatusOK {
			return fmt.Errorf("%d %.200s", code, body)
		}
		return nil
	})
	if _, body := get(token); !strings.Contains(body, "controller_runtime_") {
		t.Errorf("no controller-runtime metrics in:\n%.500s", body)
	}
	// Plain HTTP on the same port gets no metrics.
	if resp, err := http.Get("http://" + addr + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), "controller_runtime_") {
			t.Errorf("plain HTTP served the metrics")
		}
	}
}

func tokenFor(t *testing.T, sa *corev1.ServiceAccount) string {
	t.Helper()
	tr := &authenticationv1.TokenRequest{}
	if err := k8s.SubResource("token").Create(context.Background(), sa, tr); err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveMetrics serves the process's metrics registry on a free loopback address with the
// options NewManager uses (HTTPS, API-server authentication and authorization) until the
// test ends, and returns the address.
func serveMetrics(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addr := freeLoopbackAddr(t)
	opts, err := operator.MetricsOptions(operator.Options{MetricsAddr: addr})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: operator.NewScheme(), Metrics: opts})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	return addr
}
