package resources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// TestAgainstRealFlinkMetricsAndJSONLogs starts a real JobManager of each pinned Flink line
// with the Prometheus reporter and JSON logs as weir builds them: the port weir puts on the
// pod is where Flink serves its metrics, and every line of the JobManager's log file is a
// JSON object carrying the app, namespace, pod and job labels.
// podNameEnv is the variable weir's JSON log layout reads the pod's name from.
const podNameEnv = "WEIR_POD_NAME"

func TestAgainstRealFlinkMetricsAndJSONLogs(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run weir's metrics and log configuration in a real JobManager")
	}
	const jobID = "0000000000000000000000000000beef"
	for _, line := range flinkdist.Lines() {
		t.Run(line, func(t *testing.T) {
			port := freePort(t)
			version := "v" + strings.ReplaceAll(line, ".", "_")
			d := &v1beta1.FlinkDeployment{}
			manifest := fmt.Sprintf(`
metadata: {name: orders, namespace: team-a}
spec:
  flinkVersion: %s
  mode: standalone
  flinkConfiguration:
    metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
    metrics.reporter.prom.port: "%d"
    kubernetes.operator.weir.log.format: json
  jobManager: {resource: {memory: 1g, cpu: 1}}
  taskManager: {resource: {memory: 1g, cpu: 1}}
  job: {jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar"}
`, version, port)
			if err := yaml.Unmarshal([]byte(manifest), d); err != nil {
				t.Fatal(err)
			}
			s, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec, JobID: jobID})
			if err != nil {
				t.Fatal(err)
			}
			// What the pod would get: the metrics port and the pod-name variable.
			jm := s.JobManager.Spec.Template.Spec.Containers[0]
			podPort, podName := int32(0), false
			for _, p := range jm.Ports {
				if p.Name == resources.MetricsPortName {
					podPort = p.ContainerPort
				}
			}
			for _, e := range jm.Env {
				podName = podName || (e.Name == podNameEnv && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil)
			}
			if podPort != int32(port) || !podName {
				t.Fatalf("JobManager pod: metrics port %d (want %d), %s from the downward API: %v", podPort, port, podNameEnv, podName)
			}
			conf, err := flinkconf.Build(d, &d.Spec)
			if err != nil {
				t.Fatal(err)
			}
			c := flinktest.New(t, flinktest.Options{
				Version:        line,
				Config:         reporterKeys(conf),
				JobManagerOnly: true,
				ConfFiles:      map[string]string{resources.Log4jFile: s.ConfigMap.Data[resources.Log4jFile]},
				Env:            []string{podNameEnv + "=orders-jm-0"},
			})

			metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
			var body string
			testenv.Eventually(t, "Flink's Prometheus reporter serves JobManager metrics at "+metricsURL,
				testenv.Poll{Limit: 60 * time.Second, Interval: 500 * time.Millisecond, Diagnose: c.Logs}, func() error {
					b, err := get(metricsURL)
					if err != nil {
						return err
					}
					body = b
					if !strings.Contains(body, "flink_jobmanager_numRegisteredTaskManagers") {
						return fmt.Errorf("no flink_jobmanager_numRegisteredTaskManagers among %d bytes", len(body))
					}
					return nil
				})
			for _, name := range []string{"flink_jobmanager_numRunningJobs", "flink_jobmanager_Status_JVM_Memory_Heap_Used"} {
				if !strings.Contains(body, name) {
					t.Errorf("metrics lack %s", name)
				}
			}

			logs, _ := filepath.Glob(filepath.Join(c.LogDir, "*.log"))
			if len(logs) == 0 {
				t.Fatalf("no log file in %s", c.LogDir)
			}
			b, err := os.ReadFile(logs[0])
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var rec map[string]string
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Errorf("log line is not a JSON object of strings (%v): %s", err, l)
					continue
				}
				n++
				want := map[string]string{"app": "orders", "namespace": "team-a", "pod": "orders-jm-0", "job": jobID}
				for k, v := range want {
					if rec[k] != v {
						t.Errorf("log line's %s = %q, want %q: %s", k, rec[k], v, l)
					}
				}
			}
			if n < 10 {
				t.Errorf("only %d JSON lines in %s", n, logs[0])
			}
		})
	}
}

// reporterKeys are the configuration's metric reporter keys, which the test cluster takes
// over its own configuration.
func reporterKeys(c flinkconf.Conf) map[string]string {
	out := map[string]string{}
	for k, v := range c.WithPrefix("metrics.reporter.") {
		out["metrics.reporter."+k] = v
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func get(url string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), err
}

// TestAgainstRealFlinkDatadogKeyFromEnvironment starts a real Flink 1.20 JobManager through
// weir's image entrypoint with the variables weir gives a Datadog reporter's pod: the API key
// reaches Flink's configuration (shown masked), the tags are there, the reporter is loaded
// and contacts the EU site (through a local proxy that records where it goes), and the key
// is in neither the ConfigMap nor the JobManager's log.
func TestAgainstRealFlinkDatadogKeyFromEnvironment(t *testing.T) {
	if !flinktest.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 to run weir's Datadog wiring in a real JobManager")
	}
	const secretValue = "0123456789abcdef-test-key"
	proxy, connects := connectRecorder(t)
	d := &v1beta1.FlinkDeployment{}
	if err := yaml.Unmarshal([]byte(`
metadata: {name: orders, namespace: team-a, labels: {weir.dev/team: payments}}
spec:
  flinkVersion: v1_20
  mode: standalone
  flinkConfiguration:
    metrics.reporter.dghttp.factory.class: org.apache.flink.metrics.datadog.DatadogHttpReporterFactory
    metrics.reporter.dghttp.dataCenter: EU
    kubernetes.operator.weir.metrics.datadog.api-key-secret: datadog/api-key
  jobManager: {resource: {memory: 1g, cpu: 1}}
  taskManager: {resource: {memory: 1g, cpu: 1}}
  job: {jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar"}
`), d); err != nil {
		t.Fatal(err)
	}
	s, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec, JobID: "0000000000000000000000000000beef"})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range s.ConfigMap.Data {
		if strings.Contains(data, secretValue) || (strings.Contains(data, "apikey:") && name != "taskmanager-pod-template.yaml") {
			t.Fatalf("ConfigMap %s holds the key or an apikey:\n%s", name, data)
		}
	}
	// The kubelet's part: the variables from the Secret and $(VAR) expanded from earlier ones.
	env := kubeletEnv(t, s.JobManager.Spec.Template.Spec.Containers[0].Env, map[string]string{"datadog/api-key": secretValue})
	if !strings.Contains(env["FLINK_PROPERTIES"], secretValue) {
		t.Fatalf("FLINK_PROPERTIES does not carry the key after expansion: %q", env["FLINK_PROPERTIES"])
	}
	// The reporter's own configuration comes from the ConfigMap as weir renders it.
	conf := map[string]string{"query.server.port": "0", // the entrypoint's fixed 6125 could be taken
		"metrics.reporter.dghttp.proxyHost": "127.0.0.1", "metrics.reporter.dghttp.proxyPort": proxy}
	for _, l := range strings.Split(s.ConfigMap.Data["flink-conf.yaml"], "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && strings.HasPrefix(k, "metrics.reporter.dghttp.") {
			conf[k] = v
		}
	}
	entrypoint, err := filepath.Abs("../image/flink-entrypoint.sh")
	if err != nil {
		t.Fatal(err)
	}
	c := flinktest.New(t, flinktest.Options{
		Version: "1.20", Config: conf, JobManagerOnly: true, Entrypoint: entrypoint,
		Env: []string{"FLINK_PROPERTIES=" + env["FLINK_PROPERTIES"]},
	})

	var shown []struct{ Key, Value string }
	b, err := get(c.RESTURL + "/jobmanager/config")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &shown); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range shown {
		got[e.Key] = e.Value
	}
	if v, ok := got["metrics.reporter.dghttp.apikey"]; !ok || v == secretValue {
		t.Errorf("Flink's configuration: apikey present %v, shown %q (want it masked)", ok, v)
	}
	if v := got["metrics.reporter.dghttp.scope.variables.additional"]; v != "app:orders,job:0000000000000000000000000000beef,namespace:team-a,team:payments" {
		t.Errorf("Flink's configuration: scope.variables.additional = %q", v)
	}
	testenv.Eventually(t, "the Datadog reporter to contact the EU site through the proxy",
		testenv.Poll{Limit: 60 * time.Second, Interval: 500 * time.Millisecond, Diagnose: c.Logs}, func() error {
			for _, target := range connects() {
				if target == "app.datadoghq.eu:443" {
					return nil
				}
			}
			return fmt.Errorf("CONNECTs so far: %v", connects())
		})
	if logs := c.Logs(); strings.Contains(logs, secretValue) {
		t.Errorf("the JobManager's output holds the API key")
	}
}

// kubeletEnv resolves container variables as the kubelet does: secretKeyRef values from
// secrets ("<name>/<key>"), and $(NAME) in values expanded from variables defined before.
func kubeletEnv(t *testing.T, vars []corev1.EnvVar, secrets map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range vars {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secrets[ref.Name+"/"+ref.Key]
			if !ok {
				t.Fatalf("%s names the unknown secret key %s/%s", e.Name, ref.Name, ref.Key)
			}
			out[e.Name] = v
		case e.ValueFrom == nil:
			v := e.Value
			for name, val := range out {
				v = strings.ReplaceAll(v, "$("+name+")", val)
			}
			out[e.Name] = v
		}
	}
	return out
}

// connectRecorder is an HTTP proxy that records the targets of CONNECT requests and
// refuses them; it returns its port and the targets seen so far.
func connectRecorder(t *testing.T) (string, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Host)
		mu.Unlock()
		http.Error(w, "no upstream in tests", http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return port, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}
