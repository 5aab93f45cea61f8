package resources_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/datadogintake"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/profile"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// TestAgainstRealFlinkDatadogIntake runs Flink 1.20's Datadog HTTP reporter for real, as a
// FlinkProfile with reporter: datadog configures it for an app, and receives its posts in a
// local intake (internal/datadogintake: the reporter's proxy, terminating TLS for Datadog's
// host with a test CA the JVM trusts). The JobManager starts through weir's image entrypoint
// with the pod's variables, so the API key the intake sees came from the Secret's variable.
// It checks the series names Flink sends and that every series carries the tags weir adds:
// app, namespace, team and job.
func TestAgainstRealFlinkDatadogIntake(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to send a real reporter's series to the local Datadog intake")
	}
	const secretValue = "0123456789abcdef-intake-key"
	const jobID = "0000000000000000000000000000beef"
	intake, err := datadogintake.Start(datadogintake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(intake.Close)

	p := &weirv1alpha1.FlinkProfile{}
	if err := yaml.Unmarshal([]byte(`
metadata: {name: platform}
spec:
  metrics:
    reporter: datadog
    datadog:
      apiKeySecret: {name: datadog, key: api-key}
      dataCenter: EU
`), p); err != nil {
		t.Fatal(err)
	}
	app := &v1beta1.FlinkDeployment{}
	if err := yaml.Unmarshal([]byte(`
metadata: {name: orders, namespace: team-a, labels: {weir.dev/team: payments}}
spec:
  flinkVersion: v1_20
  mode: standalone
  jobManager: {resource: {memory: 1g, cpu: 1}}
  taskManager: {resource: {memory: 1g, cpu: 1}}
  job: {jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar"}
`), app); err != nil {
		t.Fatal(err)
	}
	d, _, err := profile.Effective(p, app)
	if err != nil {
		t.Fatal(err)
	}
	s, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec, JobID: jobID})
	if err != nil {
		t.Fatal(err)
	}
	env := kubeletEnv(t, s.JobManager.Spec.Template.Spec.Containers[0].Env, map[string]string{"datadog/api-key": secretValue})

	// weir's reporter keys as the ConfigMap renders them; the test adds only the way to the
	// intake: its proxy, and the JVM's trust in its CA.
	conf := map[string]string{
		"query.server.port":                 "0", // the entrypoint's fixed 6125 could be taken
		"metrics.reporter.dghttp.proxyHost": intake.ProxyHost,
		"metrics.reporter.dghttp.proxyPort": fmt.Sprint(intake.ProxyPort),
		"env.java.opts.all":                 intake.JavaOptions(),
	}
	weirKeys := 0
	for _, l := range strings.Split(s.ConfigMap.Data["flink-conf.yaml"], "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && strings.HasPrefix(k, "metrics.reporter.dghttp.") {
			conf[k] = v
			weirKeys++
		}
	}
	if weirKeys < 3 { // factory class, data center, scope variables
		t.Fatalf("the ConfigMap has only %d Datadog reporter keys:\n%s", weirKeys, s.ConfigMap.Data["flink-conf.yaml"])
	}
	entrypoint, err := filepath.Abs("../image/flink-entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}
	c := flinktest.New(t, flinktest.Options{
		Version: "1.20", Config: conf, JobManagerOnly: true, Entrypoint: entrypoint,
		Env: []string{"FLINK_PROPERTIES=" + env["FLINK_PROPERTIES"]},
	})

	expect := datadogintake.Expect{
		Site:   "app.datadoghq.eu",
		Names:  []string{"flink.jobmanager.numRunningJobs", "flink.jobmanager.numRegisteredTaskManagers", "flink.jobmanager.Status.JVM.Memory.Heap.Used"},
		Tags:   map[string]string{"app": "orders", "namespace": "team-a", "team": "payments", "job": jobID},
		APIKey: secretValue,
	}
	testenv.Eventually(t, "the reporter's tagged series in the intake",
		testenv.Poll{Limit: 90 * time.Second, Interval: time.Second, Diagnose: c.Logs}, func() error {
			return intake.Check(expect)
		})
	series := intake.Series()
	for _, sr := range series {
		if !strings.HasPrefix(sr.Metric, "flink.jobmanager.") {
			t.Errorf("series %s from a JobManager", sr.Metric)
		}
	}
	names := intake.Names()
	sort.Strings(names)
	t.Logf("%d series received, %d names: %s", len(series), len(names), strings.Join(names, " "))
	if logs := c.Logs(); strings.Contains(logs, secretValue) {
		t.Errorf("the JobManager's output holds the API key")
	}
}
