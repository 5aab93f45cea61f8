package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	"weir.dev/weir/internal/install"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/status"
	"weir.dev/weir/internal/testenv"
)

// team is one namespace under its own FlinkProfile, with its own node pool label, IAM role
// and quota.
type team struct {
	ns, profile, pool, role string
	apps                    []string
	// datadog: the profile turns on Flink's Datadog reporter, which posts to a local intake.
	datadog bool
}

// runProfiles is issue 11's two-team e2e: the ten-line app of examples/profiles, three
// times, in two namespaces under two profiles made from the example dev profile. Each app
// must run with its templated service account, on its pool's node, inside its namespace's
// quota, with its state under its own prefix of the S3 bucket; then a change of team A's
// profile reaches its two apps one at a time, each through a savepoint upgrade.
func runProfiles(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients) {
	teams := []team{ // in teamNamespaces, which the operator watches
		{ns: "team-a", profile: "e2e-a", pool: "e2e.weir.dev/pool-a", role: "arn:aws:iam::111111111111:role/flink-{{name}}", apps: []string{"orders", "payments"}},
		{ns: "team-b", profile: "e2e-b", pool: "e2e.weir.dev/pool-b", role: "arn:aws:iam::222222222222:role/flink-{{name}}", apps: []string{"clicks"}, datadog: true},
	}
	intake := startDatadogIntake(t)
	node := labelNode(t, ctx, c, teams)
	creds, err := os.ReadFile(r.Layout().S3Credentials())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s3local.ParseEnvFile(creds)
	if err != nil {
		t.Fatal(err)
	}
	s3c := s3local.NewClient(s3local.Endpoint(localcluster.BridgeIP), keys)

	var all []types.NamespacedName
	for i, tm := range teams {
		ns := &corev1.Namespace{}
		if err := c.Ctrl.Get(ctx, client.ObjectKey{Name: tm.ns}, ns); err != nil { // operatorCluster made it
			t.Fatal(err)
		}
		patch := client.MergeFrom(ns.DeepCopy())
		ns.Labels["weir.dev/env"] = tm.profile
		if err := c.Ctrl.Patch(ctx, ns, patch); err != nil {
			t.Fatal(err)
		}
		if err := r.CopyS3Credentials(ctx, c, tm.ns); err != nil {
			t.Fatal(err)
		}
		p := teamProfile(t, tm)
		if tm.datadog {
			withDatadog(t, ctx, c, p, tm.ns, intake)
		}
		if err := c.Ctrl.Create(ctx, p); err != nil {
			t.Fatalf("profile %s: %v", p.Name, err)
		}
		t.Cleanup(func() { _ = c.Ctrl.Delete(context.Background(), p) })
		for j, name := range tm.apps {
			switch {
			case i == 0 && j == 1:
				installAppChart(t, ctx, r, tm.ns, name, tm.profile, 2) // as ArgoCD would, with Helm
			default:
				d := tenLineApp(t, tm.ns, name)
				if tm.datadog {
					d.Labels[resources.LabelTeam] = datadogTeam
				}
				if i == 0 && j == 0 {
					d.Labels[weirv1alpha1.ProfileLabel] = tm.profile // by label; the others by namespace
				}
				if err := c.Ctrl.Create(ctx, d); err != nil {
					t.Fatalf("create %s/%s: %v", tm.ns, name, err)
				}
			}
			all = append(all, types.NamespacedName{Namespace: tm.ns, Name: name})
		}
	}
	defer func() {
		for _, key := range all {
			deleteDeployment(t, ctx, c, key)
		}
	}()
	for _, key := range all {
		if _, err := r.Wait(ctx, c, key, app.TargetStable, readyTimeout); err != nil {
			t.Fatal(err)
		}
	}

	for _, tm := range teams {
		for _, name := range tm.apps {
			key := types.NamespacedName{Namespace: tm.ns, Name: name}
			checkIsolation(t, ctx, c, tm, key, node)
			checkStatePrefix(t, ctx, c, s3c, key)
			checkUIThroughIngress(t, ctx, c, key)
		}
		checkQuota(t, ctx, c, tm)
		if tm.datadog {
			for _, name := range tm.apps {
				checkDatadogSeries(t, ctx, c, intake, types.NamespacedName{Namespace: tm.ns, Name: name})
			}
		}
	}
	// The job's own code may fix its interval (this example's does); the cluster's
	// configuration shows the profile's new default reached Flink.
	rollOutProfileChange(t, ctx, c, teams[0].profile, teams[0].ns, teams[0].apps, "execution.checkpointing.interval", "7 s")
	chartUpgradeKeepsState(t, ctx, r, c, teams[0], teams[0].apps[1])
}

// installAppChart installs (or upgrades) the weir-app chart's release name in ns with the
// Helm SDK: the ten-line app as chart values.
func installAppChart(t *testing.T, ctx context.Context, r *demo.Runner, ns, name, profile string, parallelism int) {
	t.Helper()
	rel, err := install.App(ctx, install.AppOptions{Kubeconfig: r.Kubeconfig(), Namespace: ns, ReleaseName: name,
		Values: map[string]any{
			"profile":     profile,
			"jarURI":      "local:///opt/flink/examples/streaming/StateMachineExample.jar",
			"parallelism": parallelism,
		}})
	if err != nil {
		t.Fatalf("helm upgrade --install %s: %v", name, err)
	}
	t.Logf("helm release %s/%s revision %d %s", ns, rel.Name, rel.Version, rel.Info.Status)
}

// chartUpgradeKeepsState changes the parallelism through a helm upgrade of the app's
// release: weir takes it as a savepoint upgrade (the profile's mode), and the new job
// restores that savepoint at the new parallelism.
func chartUpgradeKeepsState(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, tm team, name string) {
	t.Helper()
	key := types.NamespacedName{Namespace: tm.ns, Name: name}
	before, err := c.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	predicted := predictChange(t, ctx, c, before, func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 1 })
	installAppChart(t, ctx, r, tm.ns, name, tm.profile, 1)
	d, err := r.Wait(ctx, c, key, app.TargetStable, readyTimeout)
	if err != nil {
		t.Fatal(err)
	}
	if d.Generation == before.Generation || d.Spec.Job.Parallelism != 1 {
		t.Fatalf("%s: generation %d -> %d, parallelism %d: the helm upgrade did not reach the spec", key, before.Generation, d.Generation, d.Spec.Job.Parallelism)
	}
	sp := d.Status.JobStatus.UpgradeSavepointPath
	if d.Status.JobStatus.JobID == before.Status.JobStatus.JobID || sp == before.Status.JobStatus.UpgradeSavepointPath {
		t.Errorf("%s: job %s, savepoint %q after the helm upgrade: want a new job from a new savepoint", key, d.Status.JobStatus.JobID, sp)
	}
	restoredSavepoint(t, ctx, c, key, d)
	checkPrediction(t, ctx, c, key, predicted, before)
}

// checkPrediction: what `weir diff` said before the helm upgrade is what happened: a
// savepoint upgrade with a savepoint, and a downtime within 50% of the one the rollout
// measured (the prediction is the median of this app's earlier rollouts: here the profile
// change's).
func checkPrediction(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName, p app.Prediction, before *v1beta1.FlinkDeployment) {
	t.Helper()
	if p.UpgradeMode != v1beta1.UpgradeModeSavepoint || !p.Savepoint || !p.Restart {
		t.Errorf("%s: weir diff predicted %+v, want a savepoint upgrade with a savepoint", key, p)
	}
	var e v1beta1.RolloutTiming
	eventually(t, key.String()+"'s helm upgrade timed in status.weir.rollouts", func() error {
		d, err := c.Get(ctx, key)
		if err != nil {
			return err
		}
		r := status.Rollouts(&d.Status.CommonStatus)
		if len(r) <= len(status.Rollouts(&before.Status.CommonStatus)) || r[len(r)-1].JobRunning == 0 {
			return fmt.Errorf("rollouts %+v", r)
		}
		e = r[len(r)-1]
		return nil
	}, func() string { return c.Diagnose(ctx, key, 20) })
	measured, _ := status.Downtime(e)
	if p.ExpectedDowntimeSeconds == nil {
		t.Fatalf("%s: weir diff had no downtime to predict (%s), though the profile's rollout was recorded", key, p.DowntimeBasis)
	}
	want := time.Duration(*p.ExpectedDowntimeSeconds * float64(time.Second))
	t.Logf("%s: downtime predicted %s, measured %s (%+v)", key, want.Round(time.Second), measured.Round(time.Second), e)
	if e.UpgradeMode != v1beta1.UpgradeModeSavepoint || e.SavepointCompleted == 0 {
		t.Errorf("%s: the rollout %+v is not the savepoint upgrade weir diff predicted", key, e)
	}
	if diff := want - measured; diff > measured/2 || -diff > measured/2 {
		t.Errorf("%s: weir diff predicted a downtime of %s, the upgrade took %s: more than 50%% off", key, want.Round(time.Second), measured.Round(time.Second))
	}
}

// labelNode gives the local cluster's one node every team's pool label; the profiles'
// placement must bring each app's pods to it.
func labelNode(t *testing.T, ctx context.Context, c *app.Clients, teams []team) string {
	t.Helper()
	nodes, err := c.Core.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 1 {
		t.Fatalf("nodes: %v (%v)", nodes, err)
	}
	n := &nodes.Items[0]
	patch := client.MergeFrom(n.DeepCopy())
	for _, tm := range teams {
		n.Labels[tm.pool] = "true"
	}
	if err := c.Ctrl.Patch(ctx, n, patch); err != nil {
		t.Fatal(err)
	}
	return n.Name
}

// teamProfile is the example dev profile (the local platform's S3 state with entropy, the
// plugin and credentials through its pod template), made the team's: its namespace, a
// savepoint upgrade mode, an IAM role per app, its pool, a quota, the smallest pods Flink
// accepts and a rollout of one app at a time.
func teamProfile(t *testing.T, tm team) *weirv1alpha1.FlinkProfile {
	t.Helper()
	raw, err := os.ReadFile("../../examples/profiles/dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := &weirv1alpha1.FlinkProfile{}
	if err := yaml.UnmarshalStrict(raw, p); err != nil {
		t.Fatal(err)
	}
	p.Name = tm.profile
	s := &p.Spec
	s.Namespaces = &weirv1alpha1.NamespaceSelection{Names: []string{tm.ns}}
	res := &v1beta1.Resource{CPU: ptr.To(0.25), Memory: "1024m"}
	s.Presets = map[string]weirv1alpha1.ResourcePreset{"tiny": {JobManager: res, TaskManager: res.DeepCopy(), TaskManagerReplicas: ptr.To[int32](1), Slots: ptr.To[int32](2)}}
	s.DefaultPreset = "tiny"
	s.UpgradeMode = v1beta1.UpgradeModeSavepoint
	s.FlinkConfiguration.Defaults["execution.checkpointing.interval"] = "5 s"
	// State this small would be inlined into _metadata; written as files it shows entropy.
	s.FlinkConfiguration.Defaults["execution.checkpointing.data-inline-threshold"] = "0"
	s.ServiceAccount.Annotations = map[string]string{"eks.amazonaws.com/role-arn": tm.role}
	s.Placement = &weirv1alpha1.Placement{NodeSelector: map[string]string{tm.pool: "true"}}
	s.ResourceQuota = &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
		corev1.ResourcePods: resource.MustParse("8"), corev1.ResourceRequestsCPU: resource.MustParse("2")}}
	s.Rollout = &weirv1alpha1.RolloutPolicy{MaxConcurrent: ptr.To[int32](1)}
	return p
}

// tenLineApp is examples/profiles/app.yaml under another name, in ns.
func tenLineApp(t *testing.T, ns, name string) *v1beta1.FlinkDeployment {
	t.Helper()
	raw, err := os.ReadFile("../../examples/profiles/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := &v1beta1.FlinkDeployment{}
	if err := yaml.UnmarshalStrict(raw, d); err != nil {
		t.Fatal(err)
	}
	d.Name, d.Namespace = name, ns
	d.Labels = map[string]string{} // the example names prod and its small preset
	return d
}

// checkIsolation: the app's pods run under the account the profile's template names, which
// carries the team's role, and on the node their pool's label selects.
func checkIsolation(t *testing.T, ctx context.Context, c *app.Clients, tm team, key types.NamespacedName, node string) {
	t.Helper()
	sa := "flink-" + key.Name
	acct, err := c.Core.CoreV1().ServiceAccounts(key.Namespace).Get(ctx, sa, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("%s: the profile's service account: %v", key, err)
	}
	if want := strings.ReplaceAll(tm.role, "{{name}}", key.Name); acct.Annotations["eks.amazonaws.com/role-arn"] != want {
		t.Errorf("%s: service account %s role %q, want %q", key, sa, acct.Annotations["eks.amazonaws.com/role-arn"], want)
	}
	// STABLE says the job runs; the TaskManager pod Flink asked for may still be starting.
	var running []corev1.Pod
	eventually(t, key.String()+"'s JobManager and TaskManager pods running", func() error {
		pods, err := c.Core.CoreV1().Pods(key.Namespace).List(ctx, metav1.ListOptions{LabelSelector: resources.LabelApp + "=" + key.Name})
		if err != nil {
			return err
		}
		running = running[:0]
		components := map[string]bool{}
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning {
				running = append(running, p)
				components[p.Labels[resources.LabelComponent]] = true
			}
		}
		if !components[resources.ComponentJobManager] || !components[resources.ComponentTaskManager] {
			return fmt.Errorf("running pods %v, want a JobManager and a TaskManager", components)
		}
		return nil
	}, func() string { return c.Diagnose(ctx, key, 20) })
	for _, p := range running {
		if p.Spec.ServiceAccountName != sa || p.Spec.NodeSelector[tm.pool] != "true" || p.Spec.NodeName != node {
			t.Errorf("%s: pod %s runs as %q with nodeSelector %v on %q; want %s, %s=true, %s",
				key, p.Name, p.Spec.ServiceAccountName, p.Spec.NodeSelector, p.Spec.NodeName, sa, tm.pool, node)
		}
	}
}

// checkStatePrefix: the bucket holds a completed checkpoint of the app under its own
// prefix, <namespace>/<name>/checkpoints, and its data files under entropy prefixes in
// front of it.
func checkStatePrefix(t *testing.T, ctx context.Context, c *app.Clients, s3c *s3.Client, key types.NamespacedName) {
	t.Helper()
	base := key.Namespace + "/" + key.Name + "/checkpoints/"
	meta := regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `[0-9a-f]{32}/chk-\d+/_metadata$`)
	data := regexp.MustCompile(`^[0-9A-Za-z]{4}/` + regexp.QuoteMeta(base) + `[0-9a-f]{32}/chk-\d+/[^/]+$`)
	eventually(t, "a checkpoint of "+key.String()+" under its own prefix", func() error {
		keys, err := s3local.ListKeys(ctx, s3c, stateBucket, "")
		if err != nil {
			return err
		}
		var metas, files int
		for _, k := range keys {
			switch {
			case meta.MatchString(k):
				metas++
			case data.MatchString(k):
				files++
			}
		}
		if metas == 0 || files == 0 {
			return fmt.Errorf("%d _metadata under %s, %d data files under <entropy>/%s among %d keys", metas, base, files, base, len(keys))
		}
		return nil
	}, func() string { return c.Diagnose(ctx, key, 20) })
}

// checkQuota: the profile's ResourceQuota holds in the namespace and counts the team's pods.
func checkQuota(t *testing.T, ctx context.Context, c *app.Clients, tm team) {
	t.Helper()
	name := "weir-" + tm.profile
	eventually(t, "quota "+tm.ns+"/"+name+" counts the team's pods", func() error {
		q, err := c.Core.CoreV1().ResourceQuotas(tm.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		used, want := q.Status.Used[corev1.ResourcePods], int64(2*len(tm.apps))
		hard := q.Status.Hard[corev1.ResourceRequestsCPU]
		if used.Value() < want || hard.Cmp(resource.MustParse("2")) != 0 {
			return fmt.Errorf("quota hard %v used %v, want at least %d pods used", q.Status.Hard, q.Status.Used, want)
		}
		return nil
	}, func() string { return "" })
}

// rollOutProfileChange sets the flinkConfiguration default key=value of profile, which
// selects apps in ns, and watches the apps take it one at a time: never two of them away
// from STABLE at once, each with a new job restored from its upgrade savepoint, its
// JobManager running with the new value.
func rollOutProfileChange(t *testing.T, ctx context.Context, c *app.Clients, profile, ns string, apps []string, key, value string) {
	t.Helper()
	before := map[string]string{}
	for _, name := range apps {
		d, err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		before[name] = d.Status.JobStatus.JobID
	}
	p := &weirv1alpha1.FlinkProfile{}
	testenv.Eventually(t, "the profile change", testenv.Poll{Interval: time.Second}, func() error {
		if err := c.Ctrl.Get(ctx, client.ObjectKey{Name: profile}, p); err != nil {
			return err
		}
		if p.Spec.FlinkConfiguration.Defaults == nil {
			p.Spec.FlinkConfiguration.Defaults = map[string]string{}
		}
		p.Spec.FlinkConfiguration.Defaults[key] = value
		return c.Ctrl.Update(ctx, p)
	})
	gen := p.Generation
	maxAway := 0
	eventually(t, "profile "+profile+" rolled out to its apps", func() error {
		away, done := 0, 0
		for _, name := range apps {
			d, err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name})
			if err != nil {
				return err
			}
			switch {
			case d.Status.LifecycleState != v1beta1.LifecycleStable:
				away++
			case d.Status.JobStatus.JobID != before[name]:
				done++
			}
		}
		maxAway = max(maxAway, away)
		cur := &weirv1alpha1.FlinkProfile{}
		if err := c.Ctrl.Get(ctx, client.ObjectKey{Name: profile}, cur); err != nil {
			return err
		}
		ro := cur.Status.Rollout
		if ro == nil || ro.Generation != gen || ro.Phase != weirv1alpha1.RolloutComplete || done != len(apps) {
			return fmt.Errorf("rollout %+v; %d of %d apps on a new job, %d away from STABLE", ro, done, len(apps), away)
		}
		return nil
	}, func() string { return "" })
	if maxAway > 1 {
		t.Errorf("%d apps of profile %s were away from STABLE at once; its rollout allows 1", maxAway, profile)
	}
	for _, name := range apps {
		ak := types.NamespacedName{Namespace: ns, Name: name}
		d, err := c.Get(ctx, ak)
		if err != nil {
			t.Fatal(err)
		}
		if sp := d.Status.JobStatus.UpgradeSavepointPath; !strings.Contains(sp, ns+"/"+name+"/savepoints/") {
			t.Errorf("%s: upgrade savepoint %q, want one under its own prefix", ak, sp)
		}
		restoredSavepoint(t, ctx, c, ak, d)
		url, err := c.UIURL(ctx, ak)
		if err != nil {
			t.Fatal(err)
		}
		var conf []struct{ Key, Value string }
		getJSON(t, ctx, url+"/jobmanager/config", &conf)
		got := ""
		for _, e := range conf {
			if e.Key == key {
				got = e.Value
			}
		}
		if got != value {
			t.Errorf("%s: the JobManager runs with %s %q, want the profile's new %q", ak, key, got, value)
		}
	}
}

// restoredSavepoint: Flink says d's job restored d's upgrade savepoint.
func restoredSavepoint(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName, d *v1beta1.FlinkDeployment) {
	t.Helper()
	sp := d.Status.JobStatus.UpgradeSavepointPath
	eventually(t, key.String()+" restored from its upgrade savepoint", func() error {
		fl, err := restClient(ctx, c, key)
		if err != nil {
			return err
		}
		cp, err := fl.Checkpoints(ctx, d.Status.JobStatus.JobID)
		if err != nil {
			return err
		}
		if r := cp.Latest.Restored; r == nil || !r.IsSavepoint || !samePath(r.ExternalPath, sp) {
			return fmt.Errorf("restored %+v, want savepoint %s", r, sp)
		}
		return nil
	}, func() string { return c.Diagnose(ctx, key, 20) })
}
