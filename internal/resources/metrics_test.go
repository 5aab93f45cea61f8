package resources

import (
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// pods returns the JobManager pod, and the TaskManager pod: the standalone Deployment's, or
// in native mode the template Flink decorates, read back from the ConfigMap.
func pods(t *testing.T, s *Set) (jm, tm corev1.PodTemplateSpec) {
	t.Helper()
	jm = s.JobManager.Spec.Template
	if s.TaskManager != nil {
		return jm, s.TaskManager.Spec.Template
	}
	var p corev1.Pod
	if err := yaml.Unmarshal([]byte(s.ConfigMap.Data["taskmanager-pod-template.yaml"]), &p); err != nil {
		t.Fatalf("taskmanager pod template: %v", err)
	}
	return jm, corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}
}

func envOf(c corev1.Container, name string) *corev1.EnvVar {
	var found *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == name {
			if found != nil {
				return &corev1.EnvVar{Name: "DUPLICATE"}
			}
			found = &c.Env[i]
		}
	}
	return found
}

func mainIn(p corev1.PodTemplateSpec) corev1.Container {
	for _, c := range p.Spec.Containers {
		if c.Name == MainContainer {
			return c
		}
	}
	return corev1.Container{}
}

func metricsPort(c corev1.Container) int32 {
	for _, p := range c.Ports {
		if p.Name == MetricsPortName {
			return p.ContainerPort
		}
	}
	return 0
}

func TestMetricReportersAndJSONLogsOnPods(t *testing.T) {
	withConf := func(mode string, lines ...string) string {
		m := strings.Replace(basic, "    taskmanager.numberOfTaskSlots: \"2\"\n",
			"    taskmanager.numberOfTaskSlots: \"2\"\n    "+strings.Join(lines, "\n    ")+"\n", 1)
		m = strings.Replace(m, "  namespace: flink\n", "  namespace: flink\n  labels: {weir.dev/team: payments}\n", 1)
		if mode == "standalone" {
			m = strings.Replace(m, "  image:", "  mode: standalone\n  image:", 1)
		}
		return m
	}
	const prom = "metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
	const dd = "metrics.reporter.dd.factory.class: org.apache.flink.metrics.datadog.DatadogHttpReporterFactory"
	cases := []struct {
		name     string
		manifest string
		port     int32  // the metrics port and prometheus.io/port on both pods; 0: none
		ddProps  string // FLINK_PROPERTIES on both pods; "": no Datadog variables
		ddVars   string // the reporter's scope.variables.additional in the configuration
		ddLogic  string // the reporter's useLogicalIdentifier in the configuration
		jsonLogs bool
	}{
		{name: "nothing", manifest: withConf("native")},
		{name: "prometheus native, default port", manifest: withConf("native", prom), port: 9249},
		{name: "prometheus standalone, port range", manifest: withConf("standalone", prom, "metrics.reporter.prom.port: 9260-9270"), port: 9260},
		{name: "prometheus left out by metrics.reporters", manifest: withConf("native", prom, "metrics.reporters: jmx")},
		{name: "prometheus named in metrics.reporters", manifest: withConf("standalone", prom, "metrics.reporters: prom", "metrics.reporter.prom.port: \"9300\""), port: 9300},
		{name: "datadog without a secret gets no variables", manifest: withConf("native", dd),
			ddVars: "app:basic-example,job:0000000000000000000000000000000a,namespace:flink,team:payments", ddLogic: "true"},
		{name: "datadog native", manifest: withConf("native", dd, "kubernetes.operator.weir.metrics.datadog.api-key-secret: dd-secret/key"),
			ddProps: "metrics.reporter.dd.apikey: $(WEIR_DATADOG_API_KEY)",
			ddVars:  "app:basic-example,job:0000000000000000000000000000000a,namespace:flink,team:payments", ddLogic: "true"},
		{name: "datadog standalone keeps the user's properties and variables", manifest: withConf("standalone", dd,
			"kubernetes.operator.weir.metrics.datadog.api-key-secret: dd-secret/key",
			"containerized.master.env.FLINK_PROPERTIES: \"a.b: c\"", "containerized.taskmanager.env.FLINK_PROPERTIES: \"a.b: c\"",
			"metrics.reporter.dd.scope.variables.additional: team:core,region:eu", "metrics.reporter.dd.useLogicalIdentifier: \"false\""),
			ddProps: "a.b: c\nmetrics.reporter.dd.apikey: $(WEIR_DATADOG_API_KEY)",
			ddVars:  "app:basic-example,job:0000000000000000000000000000000a,namespace:flink,region:eu,team:core", ddLogic: "false"},
		{name: "json logs native", manifest: withConf("native", "kubernetes.operator.weir.log.format: json"), jsonLogs: true},
		{name: "json logs standalone", manifest: withConf("standalone", "kubernetes.operator.weir.log.format: json"), jsonLogs: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t, tc.manifest, nil, "0000000000000000000000000000000a")
			jmPod, tmPod := pods(t, s)
			for comp, p := range map[string]corev1.PodTemplateSpec{"jobmanager": jmPod, "taskmanager": tmPod} {
				c := mainIn(p)
				if got := metricsPort(c); got != tc.port {
					t.Errorf("%s metrics port = %d, want %d (ports %+v)", comp, got, tc.port, c.Ports)
				}
				wantAnn := map[string]string{}
				if tc.port != 0 {
					wantAnn = map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": strconv.Itoa(int(tc.port)), "prometheus.io/path": "/metrics"}
				}
				for _, k := range []string{"prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path"} {
					if p.Annotations[k] != wantAnn[k] {
						t.Errorf("%s annotation %s = %q, want %q", comp, k, p.Annotations[k], wantAnn[k])
					}
				}
				key, props := envOf(c, "WEIR_DATADOG_API_KEY"), envOf(c, "FLINK_PROPERTIES")
				if tc.ddProps == "" {
					if key != nil {
						t.Errorf("%s has the Datadog key variable: %+v", comp, key)
					}
				} else {
					if key == nil || key.ValueFrom == nil || key.ValueFrom.SecretKeyRef == nil ||
						key.ValueFrom.SecretKeyRef.Name != "dd-secret" || key.ValueFrom.SecretKeyRef.Key != "key" || key.Value != "" {
						t.Errorf("%s Datadog key variable = %+v", comp, key)
					}
					if props == nil || props.Value != tc.ddProps {
						t.Errorf("%s FLINK_PROPERTIES = %+v, want %q", comp, props, tc.ddProps)
					}
					ki, pi := -1, -1
					for i, e := range c.Env {
						switch e.Name {
						case "WEIR_DATADOG_API_KEY":
							ki = i
						case "FLINK_PROPERTIES":
							pi = i
						}
					}
					if ki > pi {
						t.Errorf("%s: the key variable must come before FLINK_PROPERTIES for $(…) to expand", comp)
					}
				}
				pod := envOf(c, "WEIR_POD_NAME")
				if tc.jsonLogs != (pod != nil && pod.ValueFrom != nil && pod.ValueFrom.FieldRef != nil && pod.ValueFrom.FieldRef.FieldPath == "metadata.name") {
					t.Errorf("%s pod-name variable = %+v, json logs %v", comp, pod, tc.jsonLogs)
				}
			}
			conf := s.ConfigMap.Data["flink-conf.yaml"] + s.ConfigMap.Data["taskmanager-pod-template.yaml"]
			if tc.ddVars != "" && !strings.Contains(conf, "metrics.reporter.dd.scope.variables.additional: "+tc.ddVars+"\n") {
				t.Errorf("Datadog variables %q missing:\n%s", tc.ddVars, conf)
			}
			if tc.ddLogic != "" && !strings.Contains(conf, "metrics.reporter.dd.useLogicalIdentifier: "+tc.ddLogic+"\n") {
				t.Errorf("useLogicalIdentifier %q missing:\n%s", tc.ddLogic, conf)
			}
			if strings.Contains(s.ConfigMap.Data["flink-conf.yaml"], "apikey") {
				t.Errorf("the Flink configuration names an apikey:\n%s", conf)
			}
			log4j := s.ConfigMap.Data[Log4jFile]
			wantFields := `"app":"basic-example","namespace":"flink","pod":"${env:WEIR_POD_NAME:-}","job":"0000000000000000000000000000000a",`
			if strings.Contains(log4j, wantFields) != tc.jsonLogs {
				t.Errorf("log4j labels (json %v):\n%s", tc.jsonLogs, log4j)
			}
		})
	}
}
