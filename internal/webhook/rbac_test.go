package webhook_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/charts"
	"weir.dev/weir/internal/operator"
	"weir.dev/weir/internal/webhook"
)

// chartWebhookObjects renders the chart's templates/webhook.yaml (release "weir" in
// opNamespace) and decodes its RBAC and configuration.
func chartWebhookObjects(t *testing.T, values map[string]any) []client.Object {
	t.Helper()
	var files []*loader.BufferedFile
	err := fs.WalkDir(charts.Operator, "weir-operator", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(charts.Operator, path)
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(path, "weir-operator/"), Data: data})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "weir", Namespace: opNamespace}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := engine.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	var objs []client.Object
	for _, doc := range strings.Split(out["weir-operator/templates/webhook.yaml"], "\n---") {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		var o client.Object
		switch head.Kind {
		case "Role":
			o = &rbacv1.Role{}
		case "RoleBinding":
			o = &rbacv1.RoleBinding{}
		case "ClusterRole":
			o = &rbacv1.ClusterRole{}
		case "ClusterRoleBinding":
			o = &rbacv1.ClusterRoleBinding{}
		case "ValidatingWebhookConfiguration":
			o = &admissionregistrationv1.ValidatingWebhookConfiguration{}
		default:
			continue
		}
		if err := yaml.Unmarshal([]byte(doc), o); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

// The chart's RBAC for the webhook is enough for the operator's keeper, and no more than
// its own Secret and configuration: the keeper runs as the chart's ServiceAccount.
func TestKeeperWithTheChartsRBAC(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ctx := context.Background()
	const secretName = "rbac-test-cert"
	var cfgName string
	for _, o := range chartWebhookObjects(t, map[string]any{"webhook": map[string]any{"secretName": secretName}}) {
		if w, ok := o.(*admissionregistrationv1.ValidatingWebhookConfiguration); ok {
			// Registered, but for objects that never exist: it must not judge other tests.
			cfgName = w.Name
			w.Webhooks[0].ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: new("https://127.0.0.1:1/never")}
			w.Webhooks[0].ObjectSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"weir.test/never": "true"}}
		}
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatalf("%T %s: %v", o, o.GetName(), err)
		}
	}
	if cfgName == "" {
		t.Fatal("the chart renders no ValidatingWebhookConfiguration")
	}
	user, err := env.AddUser(envtest.User{Name: "system:serviceaccount:" + opNamespace + ":weir-operator", Groups: []string{"system:serviceaccounts"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	asOperator, err := client.New(user.Config(), client.Options{Scheme: operator.NewScheme()})
	if err != nil {
		t.Fatal(err)
	}
	opts := whOpts
	opts.SecretName, opts.ConfigName = secretName, cfgName
	k := &webhook.CertKeeper{Reader: asOperator, Client: asOperator, Opts: opts}
	for i := range 2 { // creates, then reads
		if err := k.Ensure(ctx); err != nil {
			t.Fatalf("Ensure %d as the operator's ServiceAccount: %v", i, err)
		}
	}
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: cfgName}, cfg); err != nil || len(cfg.Webhooks[0].ClientConfig.CABundle) == 0 {
		t.Fatalf("caBundle not written: %v", err)
	}
	// Least privilege: another Secret of the namespace stays out of reach.
	other := &corev1.Secret{}
	if err := asOperator.Get(ctx, client.ObjectKey{Namespace: opNamespace, Name: whOpts.SecretName}, other); err == nil {
		t.Error("the webhook's RBAC reads a Secret other than its own")
	}
}
