package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/localcluster/binaries"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// Generous bounds: a loaded 2-core machine starts a JVM pair in about a minute; these
// only stop a hung run, they assert nothing about speed.
const (
	readyTimeout  = 10 * time.Minute
	deleteTimeout = 5 * time.Minute
	e2eNamespace  = "default"
)

// TestOperatorOnLocalCluster brings up its own cluster (after TestLocalClusterLifecycle,
// which tears its own down), installs the operator through the Helm chart with the
// operator image built from this tree, then runs Flink the ways users do: an application
// in standalone mode, one in native mode and a session cluster, each checked through
// its status and its REST API via the rest Service, and a FlinkSessionJob through a
// savepoint upgrade, suspend, resume and deletion, and two teams under two FlinkProfiles
// (profiles_test.go). Finally it tears the cluster down
// and checks the host is clean.
func TestOperatorOnLocalCluster(t *testing.T) {
	requireE2E(t)
	ctx := context.Background()
	r, c := operatorCluster(t, ctx, "WEIR_E2E_OPERATOR_DATA_DIR")
	createPropsSecret(t, ctx, c)
	if !t.Run("webhook", func(t *testing.T) { runWebhook(t, ctx, c) }) {
		t.Logf("operator log after webhook failed:\n%s", operatorLog(ctx, c))
	}

	for _, tc := range []struct {
		name string
		dep  *v1beta1.FlinkDeployment
	}{
		{"application-standalone", appDeployment("e2e-standalone", v1beta1.ModeStandalone)},
		{"application-native", withSavepointOnDeletion(appDeployment("e2e-native", v1beta1.ModeNative))},
	} {
		ok := t.Run(tc.name, func(t *testing.T) {
			runDeployment(t, ctx, r, c, tc.dep)
		})
		if !ok {
			t.Logf("operator log after %s failed:\n%s", tc.name, operatorLog(ctx, c))
		}
	}
	// One session cluster serves the session, session-job and dynamic-config cases: a
	// session cluster's start and teardown is a minute of the suite each.
	var session types.NamespacedName
	if !t.Run("session", func(t *testing.T) { session = startSession(t, ctx, r, c) }) {
		t.Logf("operator log after session failed:\n%s", operatorLog(ctx, c))
	} else {
		if !t.Run("session-job", func(t *testing.T) { runSessionJob(t, ctx, c, session) }) {
			t.Logf("operator log after session-job failed:\n%s", operatorLog(ctx, c))
		}
		if !t.Run("dynamic-config", func(t *testing.T) { runDynamicConfig(t, ctx, r, c, session) }) {
			t.Logf("operator log after dynamic-config failed:\n%s", operatorLog(ctx, c))
		}
		deleteDeployment(t, ctx, c, session)
	}
	if !t.Run("profiles", func(t *testing.T) { runProfiles(t, ctx, r, c) }) {
		t.Logf("operator log after profiles failed:\n%s", operatorLog(ctx, c))
	}

}

// runDeployment creates the deployment, waits for its target state, checks the Flink
// REST API through the rest Service from the host, then deletes it and waits until its
// pods are gone so the next case gets the CPU.
func runDeployment(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, dep *v1beta1.FlinkDeployment) {
	key := types.NamespacedName{Namespace: dep.Namespace, Name: dep.Name}
	if err := c.Ctrl.Create(ctx, dep); err != nil {
		t.Fatalf("create %s: %v", dep.Name, err)
	}
	defer func() {
		deleteDeployment(t, ctx, c, key)
		if savepointOnDeletion(dep) {
			assertFinalSavepointEvent(t, ctx, c, key)
		}
	}()

	target := app.TargetRunning
	if dep.Spec.Job == nil {
		target = app.TargetReady
	}
	got, err := r.Wait(ctx, c, key, target, readyTimeout)
	if err != nil {
		t.Fatal(err)
	}
	url := checkOverview(t, ctx, c, key)
	if dep.Spec.Mode != v1beta1.ModeStandalone && dep.Spec.Job != nil {
		// Native mode: Flink itself must have created a TaskManager pod through the API
		// server, with the flink ServiceAccount the chart created and the operator's Role.
		waitTaskManagerPod(t, ctx, c, key)
	}
	if dep.Spec.Job == nil {
		return
	}
	// The job the status reports is the job Flink runs.
	id := got.Status.JobStatus.JobID
	if id == "" {
		t.Fatalf("status says RUNNING without a job id: %+v", got.Status.JobStatus)
	}
	var job struct {
		ID    string `json:"jid"`
		Name  string `json:"name"`
		State string `json:"state"`
	}
	getJSON(t, ctx, url+"/jobs/"+id, &job)
	if job.ID != id || job.State != "RUNNING" {
		t.Errorf("GET %s/jobs/%s: id %q state %q, want %s RUNNING", url, id, job.ID, job.State, id)
	}
	// A configuration value from a Secret, through the pod template's env and
	// FLINK_PROPERTIES (docs/security.md), reaches the running JobManager.
	var conf []struct{ Key, Value string }
	getJSON(t, ctx, url+"/jobmanager/config", &conf)
	var fromSecret string
	for _, e := range conf {
		if e.Key == propsKey {
			fromSecret = e.Value
		}
	}
	if fromSecret != propsValue {
		t.Errorf("GET %s/jobmanager/config: %s = %q, want the Secret's %q", url, propsKey, fromSecret, propsValue)
	}
	checkRestServiceRestored(t, ctx, c, key, id)
}

// checkOverview reads Flink's /overview through the app's rest Service, a ClusterIP of
// the local cluster, and returns the UI's URL.
func checkOverview(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName) string {
	t.Helper()
	url, err := c.UIURL(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "http://10.96.") {
		t.Errorf("UI URL %s is not a ClusterIP of the local cluster's service range", url)
	}
	var overview struct {
		FlinkVersion string `json:"flink-version"`
		TaskManagers *int   `json:"taskmanagers"`
	}
	getJSON(t, ctx, url+"/overview", &overview)
	if !strings.HasPrefix(overview.FlinkVersion, "1.20") {
		t.Errorf("GET %s/overview: flink-version %q, want 1.20.x", url, overview.FlinkVersion)
	}
	if overview.TaskManagers == nil {
		t.Errorf("GET %s/overview has no taskmanagers field", url)
	}
	return url
}

// The Secret whose value appDeployment's pods read into Flink's configuration. The key is
// not on Flink's sensitive list, so the REST API shows its value.
const (
	propsSecret = "e2e-flink-props"
	propsKey    = "weir.e2e.from-pod-env"
	propsValue  = "value-from-the-secret"
)

func createPropsSecret(t *testing.T, ctx context.Context, c *app.Clients) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: propsSecret, Namespace: e2eNamespace},
		StringData: map[string]string{"value": propsValue}}
	if _, err := c.Core.CoreV1().Secrets(e2eNamespace).Create(ctx, s, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// waitTaskManagerPod waits for a running TaskManager pod of the deployment.
func waitTaskManagerPod(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName) {
	t.Helper()
	sel := resources.TaskManagerSelector(key.Name)
	eventually(t, "a running TaskManager pod ("+sel+") that Flink created", func() error {
		pods, err := c.Core.CoreV1().Pods(key.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return err
		}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				t.Logf("TaskManager pod %s created by Flink is running", p.Name)
				return nil
			}
		}
		return fmt.Errorf("%d pods, none running: Flink could not create one?", len(pods.Items))
	}, func() string { return c.Diagnose(ctx, key, 40) })
}

// getJSON polls until the URL answers 200 with JSON: the Service's endpoints can lag the
// status by a moment.
func getJSON(t *testing.T, ctx context.Context, url string, into any) {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	var body []byte
	testenv.Eventually(t, "GET "+url+" from the host to answer 200 (host route to the service range, kube-proxy rules?)",
		testenv.Poll{Limit: 2 * time.Minute, Interval: 2 * time.Second}, func() error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %d: %s", resp.StatusCode, firstN(string(body), 300))
			}
			return nil
		})
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: not JSON: %v\n%s", url, err, body)
	}
	t.Logf("GET %s: %s", url, firstN(string(body), 300))
}

func deleteDeployment(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName) {
	t.Helper()
	d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace}}
	if err := c.Ctrl.Delete(ctx, d); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("delete %s: %v", key.Name, err)
		return
	}
	sel := resources.LabelApp + "=" + key.Name
	err := testenv.Poll{Limit: deleteTimeout, Interval: time.Second}.Wait(func() error {
		err := c.Ctrl.Get(ctx, key, &v1beta1.FlinkDeployment{})
		pods, perr := c.Core.CoreV1().Pods(key.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if apierrors.IsNotFound(err) && perr == nil && len(pods.Items) == 0 {
			return nil
		}
		n := -1
		if perr == nil {
			n = len(pods.Items)
		}
		return fmt.Errorf("get: %v, %d pods left", err, n) //nolint:errorlint // err is nil while the resource still exists
	})
	if err != nil { // not fatal: the other deployments' checks still run
		t.Errorf("%s not gone after delete: %v\n%s", key.Name, err, c.Diagnose(ctx, key, 20))
	}
}

// appDeployment is a StateMachineExample job with the smallest resources Flink accepts.
func appDeployment(name string, mode v1beta1.DeploymentMode) *v1beta1.FlinkDeployment {
	d := sessionDeployment(name)
	d.Spec.Mode = mode
	d.Spec.Job = &v1beta1.JobSpec{
		JarURI:      "local:///opt/flink/examples/streaming/StateMachineExample.jar",
		Parallelism: 1,
		UpgradeMode: v1beta1.UpgradeModeStateless,
	}
	if mode == v1beta1.ModeStandalone {
		// Standalone application clusters put the jar on the classpath but do not search
		// it for a main class (examples/standalone.yaml names it too).
		d.Spec.Job.EntryClass = "org.apache.flink.streaming.examples.statemachine.StateMachineExample"
	}
	d.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "flink-main-container",
		Env: []corev1.EnvVar{
			{Name: "FROM_SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: propsSecret}, Key: "value"}}},
			{Name: "FLINK_PROPERTIES", Value: propsKey + ": $(FROM_SECRET)"},
		},
	}}}}
	return d
}

func sessionDeployment(name string) *v1beta1.FlinkDeployment {
	res := func() *v1beta1.Resource { return &v1beta1.Resource{CPU: ptr.To(0.25), Memory: "1024m"} }
	return &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e2eNamespace},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image:              "flink:1.20",
			ImagePullPolicy:    "IfNotPresent",
			FlinkVersion:       v1beta1.FlinkVersion1_20,
			ServiceAccount:     "flink",
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]string{"taskmanager.numberOfTaskSlots": "1"}),
			JobManager:         &v1beta1.JobManagerSpec{Resource: res()},
			TaskManager:        &v1beta1.TaskManagerSpec{Resource: res()},
		},
	}
}

// buildOperatorBinary compiles the operator of this tree, so the suite tests the code
// under test and not a stale bin/.
func buildOperatorBinary(t *testing.T, ctx context.Context) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	out := filepath.Join(t.TempDir(), "weir-operator")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, "./cmd/weir-operator")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the operator: %v\n%s", err, b)
	}
	return out
}

// clusterBinaries says where the cluster's binaries live, as Up and Down use them.
func clusterBinaries() localcluster.Binaries {
	bin := localcluster.Binaries{"containerd": "/usr/bin/containerd"}
	c := binaries.Cache{Root: binaries.DefaultCacheDir()}
	for _, b := range binaries.All() {
		bin[b.Name] = c.Path(b)
	}
	return bin
}

// operatorLog returns the operator pod's last lines for failure reports.
func operatorLog(ctx context.Context, c *app.Clients) string {
	pods, err := c.Core.CoreV1().Pods("weir-system").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=weir-operator"})
	if err != nil || len(pods.Items) == 0 {
		return fmt.Sprintf("(no operator pod: %v)", err)
	}
	raw, err := c.Core.CoreV1().Pods("weir-system").GetLogs(pods.Items[0].Name, &corev1.PodLogOptions{TailLines: ptr.To[int64](60)}).DoRaw(ctx)
	if err != nil {
		return err.Error()
	}
	return string(raw)
}

// lineLogger sends each line the runner prints to t.Log, which -v streams live.
type lineLogger struct{ t *testing.T }

func (l lineLogger) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		l.t.Log(line)
	}
	return len(p), nil
}

func firstN(s string, n int) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
