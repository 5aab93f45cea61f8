package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/testenv"
	"weir.dev/weir/internal/webhook"
)

// deploymentYAML is FKO's basic example with jobExtra added to spec.job (indented lines).
func deploymentYAML(name, jobExtra string) string {
	y := `apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: ` + name + `
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  jobManager: {resource: {memory: 2048m, cpu: 1}}
  taskManager: {resource: {memory: 2048m, cpu: 1}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    upgradeMode: stateless
`
	if !strings.Contains(jobExtra, "parallelism:") {
		y += "    parallelism: 2\n"
	}
	for _, l := range strings.Split(jobExtra, "\n") {
		if l != "" {
			y += "    " + l + "\n"
		}
	}
	return y
}

func mustObject(y string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(y), &u.Object); err != nil {
		panic(err)
	}
	return u
}

func isWebhookDenial(err error) bool {
	return err != nil && strings.Contains(err.Error(), `admission webhook "validate.flink.apache.org" denied the request`)
}

// namespace makes a namespace of the test's own.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "wh-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func inNamespace(u *unstructured.Unstructured, ns string) *unstructured.Unstructured {
	u.SetNamespace(ns)
	return u
}

// eventually polls cond until it holds, failing the test after a generous bound.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	testenv.Eventually(t, what, testenv.Poll{}, func() error {
		ok, err := cond()
		switch {
		case ok:
			return nil
		case err == nil:
			return errors.New("not yet")
		}
		return err
	})
}

// reconcilerMessage lets the reconciler judge spec: the same deployment, labelled past the
// webhook, is created, and the message of its status.error returned.
func reconcilerMessage(t *testing.T, ns string, u *unstructured.Unstructured) string {
	t.Helper()
	ctx := context.Background()
	u = u.DeepCopy()
	u.SetName(u.GetName() + "-reconciled")
	u.SetLabels(map[string]string{skipKey: "true"})
	if err := k8s.Create(ctx, inNamespace(u, ns)); err != nil {
		t.Fatal(err)
	}
	var msg string
	eventually(t, "status.error of "+u.GetName(), func() (bool, error) {
		d := &v1beta1.FlinkDeployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: u.GetName()}, d); err != nil {
			return false, err
		}
		var e struct{ Message string }
		if d.Status.Error == "" || json.Unmarshal([]byte(d.Status.Error), &e) != nil {
			return false, nil
		}
		msg = e.Message
		return true, nil
	})
	return msg
}

// A bad FlinkDeployment is refused at create with the message the reconciler puts in
// status.error, and a good one is admitted.
func TestCreateRefusesWhatTheReconcilerRefuses(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ns := namespace(t)
	cases := []struct {
		name, jobExtra string
		podTemplate    map[string]any
		want           string // a part of the message, so the test cannot pass on any denial
	}{
		{name: "parallelism-0", jobExtra: "parallelism: 0", want: "Job parallelism must be larger than 0"},
		{name: "last-state-without-ha", jobExtra: "upgradeMode: last-state", want: "last-state"},
		{name: "pod-template-typo", podTemplate: map[string]any{"spec": map[string]any{"nodeSelecter": map[string]any{"disk": "ssd"}}},
			want: "spec.podTemplate: spec.nodeSelecter: unknown field"},
		{name: "container-port-string", podTemplate: map[string]any{"spec": map[string]any{"containers": []any{
			map[string]any{"name": "flink-main-container", "ports": []any{map[string]any{"containerPort": "eighty"}}}}}},
			want: "spec.podTemplate: spec.containers[0].ports[0].containerPort: expected an integer, got a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := mustObject(deploymentYAML(c.name, c.jobExtra))
			if c.podTemplate != nil {
				if err := unstructured.SetNestedField(u.Object, c.podTemplate, "spec", "podTemplate"); err != nil {
					t.Fatal(err)
				}
			}
			msg := reconcilerMessage(t, ns, u)
			if !strings.Contains(msg, c.want) {
				t.Fatalf("the reconciler's message %q lacks %q", msg, c.want)
			}
			err := k8s.Create(context.Background(), inNamespace(u.DeepCopy(), ns))
			if !isWebhookDenial(err) || !apierrors.IsForbidden(err) {
				t.Fatalf("create: want a denial by the webhook, got %v", err)
			}
			if !strings.Contains(err.Error(), "denied the request: "+msg) {
				t.Errorf("denial %q does not carry the reconciler's message %q", err, msg)
			}
		})
	}
	t.Run("unknown-upgrade-mode", func(t *testing.T) {
		// The CRD's enum refuses it before any webhook is asked.
		u := inNamespace(mustObject(strings.Replace(deploymentYAML("bad-mode", ""), "upgradeMode: stateless", "upgradeMode: sometimes", 1)), ns)
		if err := k8s.Create(context.Background(), u); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "upgradeMode") {
			t.Fatalf("create: want the schema's refusal of upgradeMode, got %v", err)
		}
	})
	t.Run("good", func(t *testing.T) {
		if err := k8s.Create(context.Background(), inNamespace(mustObject(deploymentYAML("good", "")), ns)); err != nil {
			t.Fatalf("a valid FlinkDeployment was refused: %v", err)
		}
	})
}

// An update to a bad spec is refused; an update that leaves the spec alone is admitted
// even when the spec is bad, so that finalizers and labels can always be written.
func TestUpdate(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ctx := context.Background()
	ns := namespace(t)
	u := inNamespace(mustObject(deploymentYAML("upd", "")), ns)
	if err := k8s.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	bad := u.DeepCopy()
	if err := unstructured.SetNestedField(bad.Object, int64(0), "spec", "job", "parallelism"); err != nil {
		t.Fatal(err)
	}
	err := k8s.Patch(ctx, bad, client.MergeFrom(u))
	if !isWebhookDenial(err) || !strings.Contains(err.Error(), "Job parallelism must be larger than 0") {
		t.Fatalf("update to parallelism 0: want the webhook's denial, got %v", err)
	}

	// A deployment that is invalid already (created past the webhook): taking the label
	// away is an update the webhook sees, and admits as the spec is unchanged.
	inv := inNamespace(mustObject(deploymentYAML("already-bad", "parallelism: 0")), ns)
	inv.SetLabels(map[string]string{skipKey: "true"})
	if err := k8s.Create(ctx, inv); err != nil {
		t.Fatal(err)
	}
	eventually(t, "label removal", func() (bool, error) {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(inv.GroupVersionKind())
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(inv), cur); err != nil {
			return false, err
		}
		next := cur.DeepCopy()
		next.SetLabels(map[string]string{"team": "a"})
		err := k8s.Update(ctx, next) // conflicts with the reconciler's finalizer are retried
		return err == nil, err
	})
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(inv.GroupVersionKind())
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(inv), cur); err != nil {
		t.Fatal(err)
	}
	bump := cur.DeepCopy()
	if err := unstructured.SetNestedField(bump.Object, int64(-1), "spec", "job", "parallelism"); err != nil {
		t.Fatal(err)
	}
	// A merge patch carries no resourceVersion, so the reconciler's own writes (finalizer,
	// status) cannot make it conflict: the answer is the webhook's.
	if err := k8s.Patch(ctx, bump, client.MergeFrom(cur)); !isWebhookDenial(err) {
		t.Fatalf("a change to another bad spec: want the webhook's denial, got %v", err)
	}
}

// Session jobs and snapshots go through the same validation.
func TestSessionJobAndSnapshot(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ctx := context.Background()
	ns := namespace(t)
	job := inNamespace(mustObject(`apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata: {name: no-job}
spec: {deploymentName: session}
`), ns)
	if err := k8s.Create(ctx, job); !isWebhookDenial(err) || !strings.Contains(err.Error(), "The job spec should not be empty") {
		t.Fatalf("session job without job: want the webhook's denial, got %v", err)
	}
	// A session job that does not fit its session: an application cluster.
	app := inNamespace(mustObject(deploymentYAML("app", "")), ns)
	if err := k8s.Create(ctx, app); err != nil {
		t.Fatal(err)
	}
	toApp := inNamespace(mustObject(`apiVersion: flink.apache.org/v1beta1
kind: FlinkSessionJob
metadata: {name: to-app}
spec:
  deploymentName: app
  job: {jarURI: "https://repo.example/job.jar", parallelism: 1}
`), ns)
	if err := k8s.Create(ctx, toApp); !isWebhookDenial(err) || !strings.Contains(err.Error(), "Can not submit session job to application cluster") {
		t.Fatalf("session job on an application cluster: want the webhook's denial, got %v", err)
	}
	good := toApp.DeepCopy()
	good.SetName("before-its-session")
	if err := unstructured.SetNestedField(good.Object, "not-yet", "spec", "deploymentName"); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, good); err != nil {
		t.Fatalf("a valid session job applied before its session was refused: %v", err)
	}
	snap := inNamespace(mustObject(`apiVersion: flink.apache.org/v1beta1
kind: FlinkStateSnapshot
metadata: {name: neither}
spec: {jobReference: {kind: FlinkDeployment, name: app}}
`), ns)
	if err := k8s.Create(ctx, snap); !isWebhookDenial(err) || !strings.Contains(err.Error(), "Exactly one of checkpoint or savepoint") {
		t.Fatalf("snapshot without savepoint or checkpoint: want the webhook's denial, got %v", err)
	}
	okSnap := inNamespace(mustObject(`apiVersion: flink.apache.org/v1beta1
kind: FlinkStateSnapshot
metadata: {name: savepoint}
spec: {savepoint: {}, jobReference: {kind: FlinkDeployment, name: app}}
`), ns)
	if err := k8s.Create(ctx, okSnap); err != nil {
		t.Fatalf("a valid snapshot was refused: %v", err)
	}
}

// The operator keeps its TLS in a Secret of its namespace, whose CA is the caBundle the
// API server trusts; a restart (a second keeper) takes the Secret up unchanged.
func TestOperatorManagedTLS(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ctx := context.Background()
	sec := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: opNamespace, Name: whOpts.SecretName}, sec); err != nil {
		t.Fatal(err)
	}
	if sec.Type != corev1.SecretTypeTLS {
		t.Errorf("Secret type %q", sec.Type)
	}
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: configName}, cfg); err != nil {
		t.Fatal(err)
	}
	if ca := cfg.Webhooks[0].ClientConfig.CABundle; len(ca) == 0 || !bytes.Equal(ca, sec.Data[webhook.KeyCACert]) {
		t.Fatalf("caBundle is not the Secret's CA")
	}
	if err := (webhook.Bundle{CACert: sec.Data["ca.crt"], CAKey: sec.Data["ca.key"], Cert: sec.Data[webhook.KeyCert], Key: sec.Data[webhook.KeyKey]}).
		Fresh([]string{"weir-operator-webhook.weir-system.svc", "127.0.0.1"}, time.Now()); err != nil {
		t.Fatalf("the stored bundle does not serve the Service and 127.0.0.1: %v", err)
	}
	restarted := &webhook.CertKeeper{Reader: k8s, Client: k8s, Opts: whOpts}
	if err := restarted.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	again := &corev1.Secret{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(sec), again); err != nil {
		t.Fatal(err)
	}
	if again.ResourceVersion != sec.ResourceVersion {
		t.Errorf("a restart rewrote the Secret (resourceVersion %s -> %s)", sec.ResourceVersion, again.ResourceVersion)
	}
	if _, err := restarted.GetCertificate(nil); err != nil {
		t.Errorf("the restarted keeper serves no certificate: %v", err)
	}
}

// The webhook validates the spec as the operator config completes it, as the reconciler
// does: a savepoint upgrade mode needs state directories, which the operator config gives
// one namespace and not another.
func TestOperatorConfigDefaults(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ctx := context.Background()
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: defaultsNamespace}}); err != nil {
		t.Fatal(err)
	}
	y := deploymentYAML("savepoint-mode", "")
	y = strings.Replace(y, "upgradeMode: stateless", "upgradeMode: savepoint", 1)
	if err := k8s.Create(ctx, inNamespace(mustObject(y), defaultsNamespace)); err != nil {
		t.Fatalf("state directories from the operator config: refused: %v", err)
	}
	err := k8s.Create(ctx, inNamespace(mustObject(y), namespace(t)))
	if !isWebhookDenial(err) || !strings.Contains(err.Error(), "Checkpoint directory") {
		t.Fatalf("no state directories: want the webhook's denial, got %v", err)
	}
}

// A keeper renews a serving certificate near its end under the same CA, and writes a
// cleared caBundle again. Not parallel: the caBundle is cleared for a moment.
func TestKeeperRenewsAndRepairs(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	opts := whOpts
	opts.SecretName, opts.ConfigName = "renewal-test", ""
	old, err := webhook.NewBundle(webhook.Bundle{}, []string{"127.0.0.1"}, time.Now().Add(-360*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: opNamespace, Name: opts.SecretName}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"ca.crt": old.CACert, "ca.key": old.CAKey, "tls.crt": old.Cert, "tls.key": old.Key}}
	if err := k8s.Create(ctx, sec); err != nil {
		t.Fatal(err)
	}
	k := &webhook.CertKeeper{Reader: k8s, Client: k8s, Opts: opts}
	if err := k.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(sec), sec); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sec.Data["ca.crt"], old.CACert) || bytes.Equal(sec.Data["tls.crt"], old.Cert) {
		t.Fatal("renewal should keep the CA and replace the serving certificate")
	}
	if err := (webhook.Bundle{CACert: sec.Data["ca.crt"], CAKey: sec.Data["ca.key"], Cert: sec.Data["tls.crt"], Key: sec.Data["tls.key"]}).
		Fresh(opts.Hosts, time.Now()); err != nil {
		t.Fatalf("the renewed certificate: %v", err)
	}

	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: configName}, cfg); err != nil {
		t.Fatal(err)
	}
	want := cfg.Webhooks[0].ClientConfig.CABundle
	cfg.Webhooks[0].ClientConfig.CABundle = nil
	if err := k8s.Update(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := (&webhook.CertKeeper{Reader: k8s, Client: k8s, Opts: whOpts}).Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Name: configName}, cfg); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Webhooks[0].ClientConfig.CABundle; len(want) == 0 || !bytes.Equal(got, want) {
		t.Fatal("the cleared caBundle was not written again")
	}
}

// The webhook applies the app's FlinkProfile as the reconciler does: an app that overrides
// an enforced key, or names a profile that does not exist, is refused with the
// reconciler's message (the controller suite checks the same messages in status.error).
func TestProfileRefusals(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ns := namespace(t)
	pname := "p-" + ns
	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: pname}, Spec: weirv1alpha1.FlinkProfileSpec{
		FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Enforced: map[string]string{"web.cancel.enable": "false"}},
	}}
	if err := k8s.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), p) })
	app := func(name, profile, conf string) *unstructured.Unstructured {
		u := inNamespace(mustObject(deploymentYAML(name, "")), ns)
		u.SetLabels(map[string]string{weirv1alpha1.ProfileLabel: profile})
		if conf != "" {
			if err := unstructured.SetNestedField(u.Object, map[string]any{"web.cancel.enable": conf}, "spec", "flinkConfiguration"); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	err := k8s.Create(context.Background(), app("override", pname, "true"))
	want := fmt.Sprintf(`FlinkProfile %q enforces flinkConfiguration key "web.cancel.enable"`, pname)
	if !isWebhookDenial(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("an enforced-key override: want a denial with %q, got %v", want, err)
	}
	err = k8s.Create(context.Background(), app("missing", "no-such-"+ns, ""))
	if want := fmt.Sprintf(`FlinkProfile "no-such-%s" does not exist`, ns); !isWebhookDenial(err) || !strings.Contains(err.Error(), want) {
		t.Errorf("a missing profile: want a denial with %q, got %v", want, err)
	}
	if err := k8s.Create(context.Background(), app("same-value", pname, "false")); err != nil {
		t.Errorf("an app that repeats the enforced value was refused: %v", err)
	}
}
