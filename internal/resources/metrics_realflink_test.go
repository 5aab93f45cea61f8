package resources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
