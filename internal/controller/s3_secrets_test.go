package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/s3local"
)

// The quickstart's S3 credentials Secret, taken by the pods with envFrom: while it is
// missing the operator deploys nothing and says why (status.error and an Event); once it
// exists the app deploys. An upgrade that names another missing Secret is refused the same
// way while the cluster keeps the last valid spec. Through all of it the Secret's values
// (a unique marker) reach no log line, Event, status field or ConfigMap: only the pods read
// them.
func TestS3CredentialsSecretRequiredAndNeverLeaked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	d := readManifest(t, "quickstart.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	name := d.Name
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}

	// No Secret yet: refused before anything is deployed.
	const missing = `the Secret "s3-credentials" does not exist in namespace `
	waitFor(t, "the missing Secret in status.error", func() error {
		if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(statusMessage(e), missing+ns) || !strings.Contains(e, "ValidationException") {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	waitForEvents(t, ns, name, "ValidationError: "+missing+ns+"; the pods need it (spec.podTemplate.spec.containers[0].envFrom[0])")
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the JobManager Deployment was created without its Secret (err %v)", err)
	}
	if got := getDeployment(t, ns, name).Status.ReconciliationStatus.LastReconciledSpec; got != "" {
		t.Errorf("a spec was recorded as reconciled: %s", got)
	}

	// The Secret appears: the app deploys and the error clears.
	const marker = "s3-secret-marker-7Qx2vNp"
	creds := s3local.Credentials{AccessKeyID: "WEIRTESTKEYID0000001", SecretAccessKey: marker}
	if err := k8s.Create(ctx, s3local.CredentialsSecret(ns, creds)); err != nil {
		t.Fatal(err)
	}
	url := restURLOf(t, ns, name)
	jm := waitForObject(t, ns, name, &appsv1.Deployment{})
	if c := mainContainer(t, jm.Spec.Template.Spec); len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != s3local.SecretName {
		t.Errorf("the JobManager does not take the credentials with envFrom: %+v", c.EnvFrom)
	}
	flink.setJobID(url, confValue(flinkConf(t, ns, name), "$internal.pipeline.job-id"))
	flink.setJob(url, "RUNNING")
	markReady(t, ns, name)
	waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	if e := getDeployment(t, ns, name).Status.Error; e != "" {
		t.Errorf("status.error stays %q after the Secret was created", e)
	}

	// An upgrade that needs a Secret that does not exist: refused, the last valid spec runs.
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) {
		c := &s.PodTemplate.Spec.Containers[0]
		c.Env = append(c.Env, corev1.EnvVar{Name: "EXTRA_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "extra-token"}, Key: "token"}}})
	})
	waitFor(t, "the upgrade's missing Secret in status.error", func() error {
		if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(statusMessage(e), `the Secret "extra-token" does not exist`) {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	waitForEvents(t, ns, name, `the Secret "extra-token" does not exist in namespace `+ns+"; the pods need it (spec.podTemplate.spec.containers[0].env[EXTRA_TOKEN])")
	dep := getDeployment(t, ns, name)
	if strings.Contains(dep.Status.ReconciliationStatus.LastReconciledSpec, "extra-token") {
		t.Errorf("the refused spec was recorded as reconciled")
	}
	if dep.Status.JobStatus.State != "RUNNING" {
		t.Errorf("job state %q after a refused upgrade, want RUNNING", dep.Status.JobStatus.State)
	}
	jm = &appsv1.Deployment{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, jm); err != nil {
		t.Fatal(err)
	}
	for _, e := range mainContainer(t, jm.Spec.Template.Spec).Env {
		if e.Name == "EXTRA_TOKEN" {
			t.Errorf("the refused spec reached the JobManager Deployment")
		}
	}

	// The marker is nowhere the operator writes or logs.
	if ev := allEvents(t, ns); strings.Contains(ev, marker) {
		t.Errorf("an Event holds the secret:\n%s", ev)
	}
	for _, line := range strings.Split(capturedLogs.String(), "\n") {
		if strings.Contains(line, marker) {
			t.Errorf("the operator logged the secret: %s", line)
		}
	}
	whole, _ := json.Marshal(getDeployment(t, ns, name).Status)
	if strings.Contains(string(whole), marker) {
		t.Errorf("status holds the secret: %s", whole)
	}
	cms := &corev1.ConfigMapList{}
	if err := k8s.List(ctx, cms, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, cm := range cms.Items {
		if b, _ := json.Marshal(cm); strings.Contains(string(b), marker) || strings.Contains(string(b), creds.AccessKeyID) {
			t.Errorf("ConfigMap %s holds the credentials", cm.Name)
		}
	}
	// The check above looked at real content: the operator did write the Flink config.
	if conf := flinkConf(t, ns, name); !strings.Contains(conf, "s3.entropy.key") {
		t.Errorf("the Flink configuration lacks the S3 settings:\n%s", conf)
	}
}

// statusMessage is the message of an FKO-style status.error (a JSON object).
func statusMessage(statusError string) string {
	var e struct{ Message string }
	if json.Unmarshal([]byte(statusError), &e) != nil {
		return statusError
	}
	return e.Message
}
