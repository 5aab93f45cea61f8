package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/operator"
)

// writeCounter counts the writes to the objects of one namespace, as a watch sees them,
// and says what each one changed.
type writeCounter struct {
	mu      sync.Mutex
	writes  map[string]int    // kind/name -> modifications seen
	last    map[string]string // kind/name -> the previous version (JSON)
	changes []string          // what each write changed, in order
	stop    []func()
}

func countWrites(t *testing.T, ns, profile string, lists ...client.ObjectList) *writeCounter {
	t.Helper()
	wc, err := client.NewWithWatch(cfg, client.Options{Scheme: operator.NewScheme()})
	if err != nil {
		t.Fatal(err)
	}
	c := &writeCounter{writes: map[string]int{}, last: map[string]string{}}
	watchAll := func(l client.ObjectList, opts ...client.ListOption) {
		w, err := wc.Watch(context.Background(), l, opts...)
		if err != nil {
			t.Fatal(err)
		}
		c.stop = append(c.stop, w.Stop)
		go c.consume(w)
	}
	for _, l := range lists {
		watchAll(l, client.InNamespace(ns))
	}
	if profile != "" {
		watchAll(&weirv1alpha1.FlinkProfileList{}, client.MatchingFields{"metadata.name": profile})
	}
	t.Cleanup(c.close)
	return c
}

func (c *writeCounter) close() {
	for _, s := range c.stop {
		s()
	}
}

func (c *writeCounter) consume(w watch.Interface) {
	for ev := range w.ResultChan() {
		obj, ok := ev.Object.(client.Object)
		if !ok {
			continue
		}
		key := fmt.Sprintf("%T/%s", obj, obj.GetName())
		obj.SetManagedFields(nil)
		raw, _ := json.Marshal(obj)
		c.mu.Lock()
		if ev.Type == watch.Modified {
			c.writes[key]++
			c.changes = append(c.changes, key+": "+jsonDiff(c.last[key], string(raw)))
		}
		c.last[key] = string(raw)
		c.mu.Unlock()
	}
}

// reset forgets the writes counted so far.
func (c *writeCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes, c.changes = map[string]int{}, nil
}

func (c *writeCounter) total() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.writes {
		n += v
	}
	return n, strings.Join(c.changes, "\n")
}

// jsonDiff lists the leaves that differ between two JSON documents.
func jsonDiff(a, b string) string {
	fa, fb := map[string]string{}, map[string]string{}
	var va, vb any
	_ = json.Unmarshal([]byte(a), &va)
	_ = json.Unmarshal([]byte(b), &vb)
	flatten("", va, fa)
	flatten("", vb, fb)
	var out []string
	for k, v := range fb {
		if fa[k] != v && k != "metadata.resourceVersion" {
			out = append(out, fmt.Sprintf("%s: %s -> %s", k, fa[k], v))
		}
	}
	for k, v := range fa {
		if _, ok := fb[k]; !ok {
			out = append(out, fmt.Sprintf("%s: %s -> (gone)", k, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

func flatten(prefix string, v any, into map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(prefix+"."+k, e, into)
		}
	case []any:
		for i, e := range x {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, into)
		}
	default:
		raw, _ := json.Marshal(x)
		into[strings.TrimPrefix(prefix, ".")] = string(raw)
	}
}

// While a savepoint upgrade waits for its stop-with-savepoint, the operator's loops write
// nothing (status, owned objects, the app's profile): any such write would wake the app
// again at once, a hot loop that slows the savepoint and hammers the API server and Flink.
func TestSavepointUpgradeWaitsWithoutAHotLoop(t *testing.T) {
	t.Parallel()
	t.Run("plain", func(t *testing.T) { t.Parallel(); savepointUpgradeWaitsWithoutAHotLoop(t, "") })
	t.Run("with the health check", func(t *testing.T) { t.Parallel(); savepointUpgradeWaitsWithoutAHotLoop(t, "health") })
	t.Run("under a profile", func(t *testing.T) { t.Parallel(); savepointUpgradeWaitsWithoutAHotLoop(t, "rollout") })
	t.Run("under the e2e team profile", func(t *testing.T) { t.Parallel(); savepointUpgradeWaitsWithoutAHotLoop(t, "team") })
}

func savepointUpgradeWaitsWithoutAHotLoop(t *testing.T, profiled string) {
	ns := newNamespace(t)
	pname := ""
	var name, url string
	switch profiled {
	case "rollout":
		pname = "p-" + ns
		newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
			Namespaces:         &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
			FlinkConfiguration: weirv1alpha1.ProfileConfiguration{Defaults: map[string]string{rolloutKey: "one"}},
			UpgradeMode:        v1beta1.UpgradeModeSavepoint,
			Rollout:            &weirv1alpha1.RolloutPolicy{MaxConcurrent: ptr.To[int32](1)},
		})
		rolloutApps(t, ns, "other")
	case "team":
		pname = "p-" + ns
		newProfile(t, pname, teamProfileSpec(t, ns))
		if err := k8s.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "s3-credentials"},
			StringData: map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}}); err != nil {
			t.Fatal(err)
		}
		d := readManifest(t, "profiles/app.yaml")[0].(*v1beta1.FlinkDeployment)
		d.Namespace, d.Labels = ns, nil
		if err := k8s.Create(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		name, url = d.Name, restURLOf(t, ns, d.Name)
		waitForObject(t, ns, name, &appsv1.Deployment{})
		runJob(t, ns, name, url, "RUNNING")
		waitForLifecycle(t, ns, name, v1beta1.LifecycleStable)
	}
	if profiled == "health" { // each loop could take a health sample and write it to status
		name, url = startStableWith(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint,
			map[string]string{"kubernetes.operator.cluster.health-check.enabled": "true"})
	}
	if name == "" {
		name, url = startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	}
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID
	writes := countWrites(t, ns, pname, &v1beta1.FlinkDeploymentList{}, &appsv1.DeploymentList{},
		&corev1.ConfigMapList{}, &corev1.ServiceList{}, &networkingv1.IngressList{}, &rbacv1.RoleList{}, &rbacv1.RoleBindingList{})

	flink.hangSavepointsOf(url)
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	waitFor(t, "the stop with a savepoint", func() error {
		if c := flink.callsLike(url, "POST /jobs/"+jobID+"/stop"); len(c) == 0 {
			return fmt.Errorf("not yet: %v", flink.callsTo(url))
		}
		return nil
	})
	waitForObservations(t, url, 1) // the loop that recorded the stop has finished
	if n, _ := writes.total(); n == 0 {
		t.Fatal("the watch saw none of the upgrade's writes")
	}
	writes.reset()
	const loops = 4
	waitForObservations(t, url, loops)
	n, what := writes.total()
	t.Logf("%d writes during %d loops waiting for the savepoint:\n%s", n, loops, what)
	if n > 1 {
		t.Errorf("%d writes during %d loops waiting for the savepoint (each wakes the app again at once):\n%s", n, loops, what)
	}
}

// teamProfileSpec is the e2e's team profile (test/e2e/profiles_test.go teamProfile): the
// example dev profile with presets, savepoint upgrades, checkpoints, a cloud role, a node
// pool, a quota and one-at-a-time rollouts, for namespace ns.
func teamProfileSpec(t *testing.T, ns string) weirv1alpha1.FlinkProfileSpec {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "profiles", "dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := &weirv1alpha1.FlinkProfile{}
	if err := yaml.UnmarshalStrict(raw, p); err != nil {
		t.Fatal(err)
	}
	s := p.Spec
	s.Namespaces = &weirv1alpha1.NamespaceSelection{Names: []string{ns}}
	res := &v1beta1.Resource{CPU: ptr.To(0.25), Memory: "1024m"}
	s.Presets = map[string]weirv1alpha1.ResourcePreset{"tiny": {JobManager: res, TaskManager: res.DeepCopy(), TaskManagerReplicas: ptr.To[int32](1), Slots: ptr.To[int32](2)}}
	s.DefaultPreset = "tiny"
	s.UpgradeMode = v1beta1.UpgradeModeSavepoint
	s.FlinkConfiguration.Defaults["execution.checkpointing.interval"] = "5 s"
	s.FlinkConfiguration.Defaults["execution.checkpointing.data-inline-threshold"] = "0"
	s.ServiceAccount.Annotations = map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::111111111111:role/flink-{{name}}"}
	s.Placement = &weirv1alpha1.Placement{NodeSelector: map[string]string{"e2e.weir.dev/pool-a": "true"}}
	s.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
		corev1.ResourcePods: resource.MustParse("8"), corev1.ResourceRequestsCPU: resource.MustParse("2")}}
	s.Rollout = &weirv1alpha1.RolloutPolicy{MaxConcurrent: ptr.To[int32](1)}
	return s
}

// A stop-with-savepoint that Flink fails (e.g. "Not all required tasks are currently
// running" while the job's tasks deploy) is tried again after stopRetryWait, not at once:
// each try writes the trigger and clears it, and every write woke the app for the next try,
// which an e2e run saw as a stop every 100 ms holding the CPU the job needed to start.
func TestFailedUpgradeStopIsRetriedAfterABackoff(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	name, url := startStable(t, ns, "basic-checkpoint-ha.yaml", v1beta1.UpgradeModeSavepoint)
	jobID := getDeployment(t, ns, name).Status.JobStatus.JobID
	flink.failSavepointsOf(url)
	updateSpec(t, ns, name, func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" })
	stops := func() int { return len(flink.callsLike(url, "POST /jobs/"+jobID+"/stop")) }
	waitFor(t, "the first stop with a savepoint", func() error {
		if stops() == 0 {
			return fmt.Errorf("not yet: %v", flink.callsTo(url))
		}
		return nil
	})
	// Well inside stopRetryWait (10 s); the loop this guards against made a stop per
	// reconcile, dozens a second against this fake JobManager.
	time.Sleep(3 * time.Second)
	if n := stops(); n > 1 {
		t.Errorf("%d stops within 3 s of the first, want 1 until the backoff ends: %v", n, flink.callsTo(url))
	}
	waitFor(t, "the stop tried again after the backoff", func() error {
		if n := stops(); n < 2 {
			return fmt.Errorf("%d stop(s) so far", n)
		}
		return nil
	})
	flink.healSavepointsOf(url)
	waitFor(t, "the upgrade's savepoint once Flink takes it", func() error {
		if p := getDeployment(t, ns, name).Status.JobStatus.UpgradeSavepointPath; p == "" {
			return fmt.Errorf("no upgradeSavepointPath yet; stops %d", stops())
		}
		return nil
	})
}
