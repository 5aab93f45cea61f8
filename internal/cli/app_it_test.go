package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/testenv"
)

// TestAppVerbsAgainstAPIServer runs the `weir app` verbs, as the binary parses them,
// against a real kube-apiserver with the CRDs. No operator runs: the test writes the
// statuses the operator would, and checks what each verb reads and writes.
func TestAppVerbsAgainstAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set: run `make envtest-assets` and point it at bin/weir local envtest-assets")
	}
	cp, err := testenv.StartControlPlane("../../config/crd", assets)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	ctx := context.Background()
	k := cp.Client
	for _, ns := range []string{"team-a", "team-b"} {
		if err := k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}

	run := func(stdin string, args ...string) (string, error) {
		root := NewRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetIn(strings.NewReader(stdin))
		root.SetArgs(append([]string{"app", "--kubeconfig", cp.Kubeconfig}, args...))
		err := root.Execute()
		return out.String(), err
	}
	// runSplit keeps stdout (a verb's result) and stderr (a wait's progress) apart.
	runSplit := func(args ...string) (string, string, error) {
		root := NewRoot()
		var out, errOut bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errOut)
		root.SetArgs(append([]string{"app", "--kubeconfig", cp.Kubeconfig}, args...))
		err := root.Execute()
		return out.String(), errOut.String(), err
	}
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run("", args...)
		if err != nil {
			t.Fatalf("weir app %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	get := func(ns, name string) *v1beta1.FlinkDeployment {
		t.Helper()
		d := &v1beta1.FlinkDeployment{}
		if err := k.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, d); err != nil {
			t.Fatal(err)
		}
		return d
	}

	// orders: an application deployment that ran stably on flink:1.19 at parallelism 1 and
	// was then changed to flink:1.20 at parallelism 2.
	five := int64(5)
	stable := v1beta1.FlinkDeploymentSpec{Image: "flink:1.19", FlinkVersion: "v1_20",
		Job: &v1beta1.JobSpec{JarURI: "local:///opt/job.jar", Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeSavepoint}}
	orders := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "orders"},
		Spec: *stable.DeepCopy()}
	orders.Spec.Image, orders.Spec.Job.Parallelism, orders.Spec.Job.SavepointTriggerNonce = "flink:1.20", 2, &five
	if err := k.Create(ctx, orders); err != nil {
		t.Fatal(err)
	}
	stableJSON, _ := json.Marshal(stable)
	effJSON, _ := json.Marshal(orders.Spec)
	now := time.Now()
	orders.Status.LifecycleState = v1beta1.LifecycleDeployed
	orders.Status.ObservedGeneration = orders.Generation
	orders.Status.JobManagerDeploymentStatus = v1beta1.JMReady
	orders.Status.JobStatus = v1beta1.JobStatus{State: "RUNNING", JobID: "0123456789abcdef0123456789abcdef",
		CheckpointInfo: &v1beta1.CheckpointInfo{LastCheckpoint: &v1beta1.Checkpoint{TimeStamp: now.Add(-3 * time.Minute).UnixMilli(), TriggerType: "PERIODIC"}},
		SavepointInfo: &v1beta1.SavepointInfo{
			LastSavepoint:    &v1beta1.Savepoint{TimeStamp: now.Add(-time.Hour).UnixMilli(), Location: "s3://sp/orders/savepoint-2", TriggerType: "MANUAL"},
			SavepointHistory: []v1beta1.Savepoint{{TimeStamp: now.Add(-2 * time.Hour).UnixMilli(), Location: "s3://sp/orders/savepoint-1", TriggerType: "UPGRADE"}}}}
	orders.Status.ReconciliationStatus = v1beta1.ReconciliationStatus{LastStableSpec: string(stableJSON), LastReconciledSpec: string(effJSON)}
	orders.Status.ClusterInfo = map[string]string{"weir.dev/health-samples": `[{"Time":"2026-01-01T00:00:00Z","NumRestarts":4,"CompletedCheckpoints":9}]`}
	started := now.Add(-30 * time.Minute).UnixMilli()
	orders.Status.Weir = &v1beta1.WeirStatus{Rollouts: []v1beta1.RolloutTiming{{Kind: v1beta1.RolloutUpgrade, UpgradeMode: v1beta1.UpgradeModeSavepoint,
		Started: started, SavepointCompleted: started + 4000, Deployed: started + 9000, JobManagerReady: started + 31000,
		JobRunning: started + 38000, FirstCheckpoint: started + 45000}}}
	orders.Status.Conditions = []metav1.Condition{{Type: "Profile", Status: metav1.ConditionTrue, Reason: "ProfileApplied", Message: "gold@3", LastTransitionTime: metav1.Now()}}
	if err := k.Status().Update(ctx, orders); err != nil {
		t.Fatal(err)
	}
	// The rest Service exists, but nothing answers at its ClusterIP from here.
	rest := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "orders-rest"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "rest", Port: 8081}}}}
	if err := k.Create(ctx, rest); err != nil {
		t.Fatal(err)
	}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "orders.1"},
		InvolvedObject: corev1.ObjectReference{Kind: "FlinkDeployment", Namespace: "team-a", Name: "orders"},
		Reason:         "SpecChanged", Message: "UPGRADE change(s) detected", Type: "Normal", LastTimestamp: metav1.Now()}
	if err := k.Create(ctx, ev); err != nil {
		t.Fatal(err)
	}
	// session: a session cluster; etl: a failing job on it in another namespace.
	if err := k.Create(ctx, &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "session"},
		Spec: v1beta1.FlinkDeploymentSpec{Image: "flink:1.20", FlinkVersion: "v1_20"}}); err != nil {
		t.Fatal(err)
	}
	etl := &v1beta1.FlinkSessionJob{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "etl"},
		Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{JarURI: "https://jars/etl.jar", Parallelism: 1}}}
	if err := k.Create(ctx, etl); err != nil {
		t.Fatal(err)
	}
	etl.Status.LifecycleState, etl.Status.JobStatus.State = v1beta1.LifecycleFailed, "FAILED"
	etl.Status.Error = "java.lang.RuntimeException: the source topic does not exist, and this message is far too long for one table cell\n\tat Foo.bar(Foo.java:1)"
	if err := k.Status().Update(ctx, etl); err != nil {
		t.Fatal(err)
	}

	t.Run("list", func(t *testing.T) {
		out := mustRun("list")
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		for _, l := range lines {
			if len(l) > app.TableWidth {
				t.Errorf("line wider than %d columns: %q", app.TableWidth, l)
			}
		}
		if len(lines) != 5 || !strings.HasPrefix(lines[0], "NAMESPACE") {
			t.Fatalf("want a header, 3 apps and etl's error line:\n%s", out)
		}
		if f := strings.Fields(lines[1]); strings.Join(f, " ") != "team-a orders FD DEPLOYED RUNNING 3m 4 gold" {
			t.Errorf("orders row = %q", lines[1])
		}
		if !strings.Contains(out, "FSJ") || !strings.Contains(out, "error: java.lang.RuntimeException") || strings.Contains(out, "Foo.bar") {
			t.Errorf("etl should show as FSJ with its error's first line:\n%s", out)
		}
		if out := mustRun("list", "-n", "team-b"); strings.Contains(out, "orders") || !strings.Contains(out, "etl") {
			t.Errorf("-n team-b:\n%s", out)
		}
		var rows []app.Row
		if err := json.Unmarshal([]byte(mustRun("list", "-o", "json")), &rows); err != nil || len(rows) != 3 {
			t.Fatalf("-o json: %v %v", rows, err)
		}
		if r := rows[0]; r.Profile != "gold" || r.Restarts == nil || *r.Restarts != 4 || r.LastCheckpoint == nil {
			t.Errorf("-o json row = %+v", r)
		}
		if _, err := run("", "list", "-o", "wide"); err == nil || !strings.Contains(err.Error(), "-o json") {
			t.Errorf("-o wide should be refused with the formats there are: %v", err)
		}
	})

	t.Run("status -o yaml", func(t *testing.T) {
		var d v1beta1.FlinkDeployment
		if err := yaml.Unmarshal([]byte(mustRun("status", "orders", "-n", "team-a", "-o", "yaml")), &d); err != nil || d.Status.JobStatus.State != "RUNNING" {
			t.Errorf("status -o yaml: %v %+v", err, d.Status)
		}
	})

	t.Run("describe", func(t *testing.T) {
		out := mustRun("describe", "orders", "-n", "team-a")
		for _, want := range []string{"FlinkDeployment team-a/orders", "gold", "s3://sp/orders/savepoint-1",
			"s3://sp/orders/savepoint-2", "image: flink:1.20", "differs from the last stable spec in: image, job.parallelism",
			"SpecChanged", "Flink (http://", "not asked:", "Rollouts (1,", "Upgrade savepoint",
			"savepoint 4s  stopped 9s  jm 31s  running 38s  1st checkpoint 45s  downtime 38s  gap 41s"} {
			if !strings.Contains(out, want) {
				t.Errorf("describe lacks %q:\n%s", want, out)
			}
		}
		var d app.Description
		if err := yaml.Unmarshal([]byte(mustRun("describe", "etl", "-n", "team-b", "-o", "yaml")), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind != app.KindSessionJob || !strings.Contains(d.Row.Error, "source topic") || d.Flink == nil || d.Flink.Unreachable == "" {
			t.Errorf("describe etl -o yaml = %+v", d)
		}
		if _, err := run("", "describe", "nope", "-n", "team-a"); err == nil || !strings.Contains(err.Error(), "weir app list") {
			t.Errorf("an unknown app should point at `weir app list`: %v", err)
		}
	})

	t.Run("savepoints", func(t *testing.T) {
		out := mustRun("savepoints", "orders", "-n", "team-a")
		if i, j := strings.Index(out, "savepoint-1"), strings.Index(out, "savepoint-2"); i < 0 || j < i {
			t.Errorf("savepoints, oldest first:\n%s", out)
		}
		if out := mustRun("savepoints", "etl", "-n", "team-b"); !strings.Contains(out, "weir app savepoint etl") {
			t.Errorf("no savepoint should say how to take one: %s", out)
		}
	})

	t.Run("scale and checkpoint", func(t *testing.T) {
		mustRun("scale", "orders", "-n", "team-a", "--parallelism", "3")
		if p := get("team-a", "orders").Spec.Job.Parallelism; p != 3 {
			t.Errorf("parallelism = %d, want 3", p)
		}
		if _, err := run("", "scale", "orders", "-n", "team-a"); err == nil || !strings.Contains(err.Error(), "--parallelism N") {
			t.Errorf("scale without --parallelism: %v", err)
		}
		if _, err := run("", "scale", "session", "-n", "team-b", "--parallelism", "2"); err == nil || !strings.Contains(err.Error(), "session cluster") {
			t.Errorf("scale of a session cluster: %v", err)
		}
		mustRun("scale", "etl", "-n", "team-b", "--parallelism", "4")
		j := &v1beta1.FlinkSessionJob{}
		if err := k.Get(ctx, types.NamespacedName{Namespace: "team-b", Name: "etl"}, j); err != nil || j.Spec.Job.Parallelism != 4 {
			t.Errorf("session job parallelism = %d, %v", j.Spec.Job.Parallelism, err)
		}
		out := mustRun("checkpoint", "orders", "-n", "team-a", "--wait=false")
		if n := get("team-a", "orders").Spec.Job.CheckpointTriggerNonce; n == nil || *n != 1 || !strings.Contains(out, "checkpointTriggerNonce=1") {
			t.Errorf("checkpoint nonce = %v (%s)", n, out)
		}
	})

	t.Run("rollback", func(t *testing.T) {
		gen := get("team-a", "orders").Generation
		if out, err := run("n\n", "rollback", "orders", "-n", "team-a"); err == nil || !strings.Contains(out, "image, job.parallelism") {
			t.Errorf("rollback answered no: %v\n%s", err, out)
		}
		if g := get("team-a", "orders").Generation; g != gen {
			t.Errorf("an unconfirmed rollback changed the spec (generation %d -> %d)", gen, g)
		}
		if out, err := run("y\n", "rollback", "orders", "-n", "team-a"); err != nil {
			t.Fatalf("rollback: %v\n%s", err, out)
		}
		d := get("team-a", "orders")
		if d.Spec.Image != "flink:1.19" || d.Spec.Job.Parallelism != 1 {
			t.Errorf("rolled back spec: image %s parallelism %d", d.Spec.Image, d.Spec.Job.Parallelism)
		}
		if n := d.Spec.Job.SavepointTriggerNonce; n == nil || *n != 5 {
			t.Errorf("the rollback must keep the current savepoint nonce (an old one triggers a savepoint): %v", n)
		}
		if _, err := run("", "rollback", "orders", "-n", "team-a", "--yes"); err == nil || !strings.Contains(err.Error(), "nothing to roll back") {
			t.Errorf("second rollback: %v", err)
		}
		if _, err := run("", "rollback", "etl", "-n", "team-b", "--yes"); err == nil || !strings.Contains(err.Error(), "has not run stably") {
			t.Errorf("rollback without a stable spec: %v", err)
		}
	})

	t.Run("gitops guard", func(t *testing.T) {
		byAnnotation := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "argo-a",
			Annotations: map[string]string{"argocd.argoproj.io/tracking-id": "flink:flink.apache.org/FlinkDeployment:team-a/argo-a"}},
			Spec: *stable.DeepCopy()}
		byManager := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "argo-m"}, Spec: *stable.DeepCopy()}
		if err := k.Create(ctx, byAnnotation); err != nil {
			t.Fatal(err)
		}
		if err := k.Create(ctx, byManager, ctrlclient.FieldOwner("argocd-controller")); err != nil {
			t.Fatal(err)
		}
		for _, st := range []*v1beta1.FlinkDeployment{byAnnotation, byManager} {
			st.Status.ReconciliationStatus.LastStableSpec = `{"image":"flink:1.18","job":{"jarURI":"local:///opt/job.jar"}}`
			if err := k.Status().Update(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"argo-a", "argo-m"} {
			gen := get("team-a", name).Generation
			for _, verb := range [][]string{{"suspend"}, {"resume"}, {"savepoint"}, {"restart"}, {"set-image", "flink:2.0"},
				{"scale", "--parallelism", "9"}, {"checkpoint"}, {"rollback", "--yes"}} {
				args := append([]string{verb[0], name, "-n", "team-a", "--wait=false"}, verb[1:]...)
				if verb[0] == "restart" || verb[0] == "set-image" || verb[0] == "scale" || verb[0] == "rollback" {
					args = append([]string{verb[0], name, "-n", "team-a"}, verb[1:]...)
				}
				_, err := run("", args...)
				if err == nil || !strings.Contains(err.Error(), "self-heal") || !strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "git") {
					t.Errorf("%s %s should be refused, saying to change git or use --force: %v", verb[0], name, err)
				}
			}
			if g := get("team-a", name).Generation; g != gen {
				t.Errorf("%s: a refused verb changed the spec (generation %d -> %d)", name, gen, g)
			}
		}
		if _, err := run("", "scale", "argo-a", "-n", "team-a", "--parallelism", "9"); err == nil ||
			!strings.Contains(err.Error(), "The change to commit in git instead:\n  spec:\n    job:\n      parallelism: 9") {
			t.Errorf("a refused scale does not print the change to commit: %v", err)
		}
		mustRun("scale", "argo-a", "-n", "team-a", "--parallelism", "7", "--force")
		if p := get("team-a", "argo-a").Spec.Job.Parallelism; p != 7 {
			t.Errorf("--force scale: parallelism %d", p)
		}
	})

	t.Run("apply", func(t *testing.T) {
		write := func(d *v1beta1.FlinkDeployment) string {
			d.APIVersion, d.Kind = v1beta1.GroupVersion.String(), "FlinkDeployment"
			b, err := yaml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			f := t.TempDir() + "/app.yaml"
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return f
		}
		fresh := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Name: "clicks"}, Spec: *stable.DeepCopy()}
		fresh.Spec.ServiceAccount = "flink"
		fresh.Spec.JobManager = &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{Memory: "1024m"}}
		fresh.Spec.TaskManager = &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{Memory: "1024m"}}
		fresh.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{
			"state.checkpoints.dir": "s3p://state/clicks/checkpoints", "state.savepoints.dir": "s3p://state/clicks/savepoints"})
		out := mustRun("apply", "-f", write(fresh), "-n", "team-b", "--yes")
		if !strings.Contains(out, "first deployment") || !strings.Contains(out, "FlinkDeployment team-b/clicks applied") {
			t.Errorf("apply of a new app:\n%s", out)
		}
		created := get("team-b", "clicks")
		changed := created.DeepCopy()
		changed.ObjectMeta = metav1.ObjectMeta{Name: "clicks", Namespace: "team-b"}
		changed.Spec.Job.Parallelism = 3
		if out, err := run("n\n", "apply", "-f", write(changed)); err == nil || !strings.Contains(err.Error(), "not confirmed") || !strings.Contains(out, "Apply? [y/N]") {
			t.Errorf("apply answered n: %v\n%s", err, out)
		}
		if g := get("team-b", "clicks").Generation; g != created.Generation {
			t.Errorf("apply answered n changed the spec (generation %d -> %d)", created.Generation, g)
		}
		if out, err := run("y\n", "apply", "-f", write(changed)); err != nil || get("team-b", "clicks").Spec.Job.Parallelism != 3 {
			t.Errorf("apply answered y: %v\n%s", err, out)
		}
		bad := changed.DeepCopy()
		bad.Spec.Job.Parallelism = -1
		if _, err := run("", "apply", "-f", write(bad), "--yes"); err == nil {
			t.Error("apply of a spec the operator refuses went through")
		}
		argo := get("team-a", "argo-a").DeepCopy()
		argo.ObjectMeta = metav1.ObjectMeta{Name: "argo-a", Namespace: "team-a"}
		argo.Spec.Job.Parallelism = 5
		if _, err := run("", "apply", "-f", write(argo), "--yes"); err == nil || !strings.Contains(err.Error(), "self-heal") {
			t.Errorf("apply over an ArgoCD-managed app: %v", err)
		}
	})

	t.Run("snapshots", func(t *testing.T) {
		out := mustRun("snapshots", "create", "orders", "-n", "team-a", "--path", "s3://sp/manual")
		var l v1beta1.FlinkStateSnapshotList
		if err := k.List(ctx, &l, ctrlclient.InNamespace("team-a")); err != nil || len(l.Items) != 1 {
			t.Fatalf("snapshots after create: %v %v (%s)", l.Items, err, out)
		}
		s := l.Items[0]
		if ref := s.Spec.JobReference; ref == nil || ref.Name != "orders" || ref.Kind != v1beta1.JobKindFlinkDeployment ||
			s.Spec.Savepoint == nil || s.Spec.Savepoint.Path != "s3://sp/manual" || !*s.Spec.Savepoint.DisposeOnDelete {
			t.Errorf("snapshot spec = %+v", s.Spec)
		}
		mustRun("snapshots", "create", "etl", "-n", "team-b", "--checkpoint")
		s.Status.State, s.Status.Path = v1beta1.SnapshotCompleted, "s3://sp/manual/savepoint-3"
		if err := k.Status().Update(ctx, &s); err != nil {
			t.Fatal(err)
		}
		out = mustRun("snapshots", "list", "orders", "-n", "team-a")
		if !strings.Contains(out, s.Name) || !strings.Contains(out, "COMPLETED") || !strings.Contains(out, "path: s3://sp/manual/savepoint-3") {
			t.Errorf("snapshots list:\n%s", out)
		}
		var rows []app.SnapshotRow
		if err := json.Unmarshal([]byte(mustRun("snapshots", "list", "-n", "team-b", "-o", "json")), &rows); err != nil || len(rows) != 1 || rows[0].Type != "CHECKPOINT" {
			t.Errorf("snapshots list -o json: %+v %v", rows, err)
		}
		if out := mustRun("snapshots", "dispose", s.Name, "-n", "team-a"); !strings.Contains(out, "disposes of its files") {
			t.Errorf("dispose: %s", out)
		}
		if err := k.Get(ctx, ctrlclient.ObjectKeyFromObject(&s), &v1beta1.FlinkStateSnapshot{}); err == nil {
			t.Error("the disposed FlinkStateSnapshot is still there")
		}
		if _, err := run("", "snapshots", "dispose", "nope", "-n", "team-a"); err == nil || !strings.Contains(err.Error(), "snapshots list") {
			t.Errorf("dispose of an unknown snapshot: %v", err)
		}
	})

	// Pod logs and port-forwards need a kubelet (the e2e runs them); here, what the verbs
	// say when there is nothing to read or forward to.
	t.Run("logs and ui without pods", func(t *testing.T) {
		if _, err := run("", "logs", "orders", "-n", "team-a"); err == nil || !strings.Contains(err.Error(), "no JobManager pod") || !strings.Contains(err.Error(), "weir app describe orders") {
			t.Errorf("logs without a JobManager pod: %v", err)
		}
		tm := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team-b", Name: "session-taskmanager-1-1",
			Labels: map[string]string{"app": "session", "component": "taskmanager"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink:1.20"}}}}
		if err := k.Create(ctx, tm); err != nil {
			t.Fatal(err)
		}
		out, err := run("", "logs", "etl", "-n", "team-b", "--taskmanagers")
		if err == nil || !strings.Contains(err.Error(), "no TaskManager pod of team-b/session") || !strings.Contains(out, "session-taskmanager-1-1: pending") {
			t.Errorf("logs --taskmanagers of a session job with a pending TaskManager: %v\n%s", err, out)
		}
		if _, err := run("", "ui", "orders", "-n", "team-a"); err == nil || !strings.Contains(err.Error(), "no running JobManager pod") {
			t.Errorf("ui without a JobManager pod: %v", err)
		}
		if out := mustRun("ui", "orders", "-n", "team-a", "--address"); !strings.HasPrefix(out, "http://10.") || !strings.HasSuffix(out, ":8081\n") {
			t.Errorf("ui --address = %q", out)
		}
	})

	t.Run("session job verbs", func(t *testing.T) { sessionJobVerbs(t, ctx, k, runSplit) })

	t.Run("completion", func(t *testing.T) {
		complete := func(args ...string) string {
			root := NewRoot()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&bytes.Buffer{})
			root.SetArgs(append([]string{cobra.ShellCompRequestCmd, "app", "--kubeconfig", cp.Kubeconfig}, args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}
		out := complete("describe", "-n", "team-a", "or")
		if !strings.Contains(out, "orders\n") || strings.Contains(out, "argo-a") {
			t.Errorf("completion of `describe or`:\n%s", out)
		}
		out = complete("scale", "-n", "team-b", "")
		if !strings.Contains(out, "etl\n") || !strings.Contains(out, "session\n") {
			t.Errorf("completion of `scale`:\n%s", out)
		}
	})
}
