package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// One secret value is written into every place of a FlinkDeployment that can hold one:
// flinkConfiguration keys on Flink's sensitive list (and weir's), job.args and a pod
// template env value; a Secret-referenced value reaches Flink through FLINK_PROPERTIES. The
// values change in an upgrade (diff messages) and then collide flat/nested (a validation
// error). The value never shows in status (outside the spec records, which copy the spec as
// FKO's do), in any Event of the namespace, or in anything the operator logged; the
// Secret's value is not even in the records or the ConfigMap, since only the pods read it.
func TestSecretsNeverReachStatusEventsOrLogs(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-zq81"
	const inSecret = secret + "-from-the-secret"
	ctx := context.Background()
	ns := newNamespace(t)
	if err := k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"},
		StringData: map[string]string{"s3-secret": inSecret}}); err != nil {
		t.Fatal(err)
	}
	sensitiveKeys := []string{"custom.password", "custom.secret", "fs.azure.account.key.acct.blob.core.windows.net",
		"custom.apikey", "custom.api-key", "custom.auth-params", "custom.service-key", "custom.token",
		"custom.basic-auth", "custom.sasl.jaas.config", "custom.http-headers"}
	withSecrets := func(s *v1beta1.FlinkDeploymentSpec, value string) {
		conf, _ := s.FlinkConfiguration.Flatten()
		for _, k := range sensitiveKeys {
			conf[k] = value
		}
		s.FlinkConfiguration = v1beta1.NewConfigObject(conf)
		s.Job.Args = []string{"--db-password", value}
		c := &s.PodTemplate.Spec.Containers[0]
		c.Env = []corev1.EnvVar{
			{Name: "S3_SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "s3-secret"}}},
			{Name: "FLINK_PROPERTIES", Value: "s3.secret-key: $(S3_SECRET)"},
			{Name: "DB_PASSWORD", Value: value},
		}
	}

	d := readManifest(t, "basic-checkpoint-ha.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	d.Spec.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint
	withSecrets(&d.Spec, secret)
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	name := d.Name
	url := restURLOf(t, ns, name)
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	flink.setJobID(url, confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)

	// The Secret reaches Flink pod-side: the JobManager's container defines S3_SECRET from
	// the Secret before FLINK_PROPERTIES refers to it (the kubelet expands $(VAR) only from
	// variables defined earlier); the operator never resolved it.
	order := map[string]int{}
	for i, e := range mainContainer(t, jm.Spec.Template.Spec).Env {
		if e.Name == "S3_SECRET" && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil || e.ValueFrom.SecretKeyRef.Name != "creds") {
			t.Errorf("S3_SECRET is not taken from the Secret: %+v", e)
		}
		if e.Name == "FLINK_PROPERTIES" && e.Value != "s3.secret-key: $(S3_SECRET)" {
			t.Errorf("FLINK_PROPERTIES = %q", e.Value)
		}
		order[e.Name] = i + 1
	}
	if order["S3_SECRET"] == 0 || order["FLINK_PROPERTIES"] < order["S3_SECRET"] {
		t.Errorf("env order %v: S3_SECRET must come before FLINK_PROPERTIES", order)
	}

	// An upgrade that changes every one of those values.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { withSecrets(s, secret+"-2") })
	waitFor(t, "the upgraded configuration", func() error {
		if got := confValue(flinkConf(t, ns, name), "custom.password"); got != secret+"-2" {
			return fmt.Errorf("custom.password still %q", got)
		}
		return nil
	})
	flink.setJobID(url, confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)

	// A validation error about a sensitive key: set twice, flat and nested, to two values.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) {
		conf, _ := s.FlinkConfiguration.Flatten()
		tree := map[string]any{"custom": map[string]any{"password": secret + "-nested"}}
		for k, v := range conf {
			tree[k] = v
		}
		raw, _ := json.Marshal(tree)
		if err := s.FlinkConfiguration.UnmarshalJSON(raw); err != nil {
			t.Fatal(err)
		}
	})
	waitFor(t, "the validation error", func() error {
		if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(e, "custom.password") {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})

	// The messages were written (so the checks below look at real diff and error texts) ...
	events := allEvents(t, ns)
	for _, want := range []string{"job.args changed", "env DB_PASSWORD changed", "flinkConfiguration.custom.password: ****** -> ******",
		"ValidationError", `flinkConfiguration key \"custom.password\" is set twice`} {
		if !strings.Contains(events, want) {
			t.Errorf("no %q in the Events:\n%s", want, events)
		}
	}
	// ... and none of them holds the secret.
	if strings.Contains(events, secret) {
		t.Errorf("an Event holds the secret:\n%s", events)
	}
	logs := capturedLogs.String()
	if !strings.Contains(logs, "job.args changed") {
		t.Errorf("the upgrade's diff was not logged; captured %d bytes", len(logs))
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, secret) {
			t.Errorf("the operator logged the secret: %s", line)
		}
	}
	dep := getDeployment(t, ns, name)
	whole, _ := json.Marshal(dep.Status)
	if strings.Contains(string(whole), inSecret) {
		t.Errorf("status holds the Secret's value: %s", whole)
	}
	var st map[string]any
	_ = json.Unmarshal(whole, &st)
	if rs, ok := st["reconciliationStatus"].(map[string]any); ok {
		delete(rs, "lastReconciledSpec")
		delete(rs, "lastStableSpec")
	}
	rest, _ := json.Marshal(st)
	if strings.Contains(string(rest), secret) || !strings.Contains(string(rest), "custom.password") {
		t.Errorf("status (besides the spec records) holds the secret, or lacks the error: %s", rest)
	}
	cms := &corev1.ConfigMapList{}
	if err := k8s.List(ctx, cms, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		if b, _ := json.Marshal(cm); strings.Contains(string(b), inSecret) {
			t.Errorf("ConfigMap %s holds the Secret's value", cm.Name)
		}
	}
}

// allEvents renders every Event of a namespace in full (JSON), one per line.
func allEvents(t *testing.T, ns string) string {
	t.Helper()
	evs := &corev1.EventList{}
	if err := k8s.List(context.Background(), evs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "->" as written
	for _, e := range evs.Items {
		if err := enc.Encode(e); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
