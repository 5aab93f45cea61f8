package resources

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/internal/flinkconf"
)

// Flink's metric reporter factories weir wires into pods.
const (
	PrometheusFactory = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
	DatadogFactory    = "org.apache.flink.metrics.datadog.DatadogHttpReporterFactory"

	// MetricsPortName names the Prometheus reporter's container port on JobManager and
	// TaskManager pods (a PodMonitor's podMetricsEndpoints[].port).
	MetricsPortName = "metrics"
	// defaultPrometheusPort is the Prometheus reporter's own default port.
	defaultPrometheusPort = 9249

	// LabelTeam on a FlinkDeployment becomes the team tag of its Datadog series.
	LabelTeam = "weir.dev/team"

	// datadogKeyEnv carries the Datadog API key from its Secret into the container;
	// FLINK_PROPERTIES names it as $(datadogKeyEnv), which the kubelet expands when the
	// container starts, so the Pod spec and the ConfigMap hold only the reference.
	datadogKeyEnv       = "WEIR_DATADOG_API_KEY"
	flinkPropertiesEnv  = "FLINK_PROPERTIES"
	keyMetricsReporters = "metrics.reporters"
)

// reporters returns the names of the reporters the configuration enables with factory
// (metrics.reporter.<name>.factory.class), sorted; metrics.reporters, when set, limits them.
func reporters(c flinkconf.Conf, factory string) []string {
	var allowed map[string]bool
	if list := strings.TrimSpace(c[keyMetricsReporters]); list != "" {
		allowed = map[string]bool{}
		for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ';' }) {
			allowed[strings.TrimSpace(n)] = true
		}
	}
	var out []string
	for k, v := range c {
		rest, ok := strings.CutPrefix(k, "metrics.reporter.")
		if !ok {
			continue
		}
		name, ok := strings.CutSuffix(rest, ".factory.class")
		if !ok || name == "" || strings.TrimSpace(v) != factory || (allowed != nil && !allowed[name]) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// prometheusPort is the port of the first enabled Prometheus reporter (the first of a
// range "9249-9250"), and whether one is enabled.
func prometheusPort(c flinkconf.Conf) (int32, bool) {
	names := reporters(c, PrometheusFactory)
	if len(names) == 0 {
		return 0, false
	}
	v := strings.TrimSpace(c["metrics.reporter."+names[0]+".port"])
	if first, _, ok := strings.Cut(v, "-"); ok {
		v = strings.TrimSpace(first)
	}
	p, err := strconv.Atoi(v)
	if err != nil || p <= 0 || p > 65535 {
		return defaultPrometheusPort, true
	}
	return int32(p), true
}

// scrape is what a Prometheus reporter adds to a pod: the named port and the annotations
// Prometheus's kubernetes_sd relabelling conventionally reads.
type scrape struct {
	ports       []corev1.ContainerPort
	annotations map[string]string
}

func (c *cluster) scrape() scrape {
	port, ok := prometheusPort(c.conf)
	if !ok {
		return scrape{}
	}
	return scrape{
		ports: []corev1.ContainerPort{{Name: MetricsPortName, ContainerPort: port, Protocol: corev1.ProtocolTCP}},
		annotations: map[string]string{
			"prometheus.io/scrape": "true",
			"prometheus.io/port":   strconv.Itoa(int(port)),
			"prometheus.io/path":   "/metrics",
		},
	}
}

// DatadogKeySecret is the Secret and key of the Datadog reporters' API key: weir's
// kubernetes.operator.weir.metrics.datadog.api-key-secret, "<secret>/<key>" (key default
// "api-key"), when the configuration enables a Datadog reporter (else the pods name none).
func DatadogKeySecret(c flinkconf.Conf) (name, key string, ok bool) {
	v := strings.TrimSpace(c[flinkconf.KeyDatadogAPIKeySecret])
	if v == "" || len(reporters(c, DatadogFactory)) == 0 {
		return "", "", false
	}
	name, key, _ = strings.Cut(v, "/")
	name, key = strings.TrimSpace(name), strings.TrimSpace(key)
	if key == "" {
		key = "api-key"
	}
	return name, key, name != ""
}

// withDatadogTags adds the app, namespace, team and job variables to every Datadog
// reporter as scope.variables.additional (the reporter turns variables into tags; its
// older tags option is deprecated). Variables the configuration sets itself win. It also
// turns on useLogicalIdentifier unless set: without it the reporter names a series by the
// scope format, host first (`10_0_0_7.jobmanager.numRunningJobs`, one metric per pod), with
// it by the logical scope (`flink.jobmanager.numRunningJobs`), the host and ids being tags.
func withDatadogTags(c flinkconf.Conf, app, namespace, team, jobID string) flinkconf.Conf {
	names := reporters(c, DatadogFactory)
	if len(names) == 0 {
		return c
	}
	ours := map[string]string{"app": app, "namespace": namespace, "team": team, "job": jobID}
	out := c.Clone()
	for _, n := range names {
		key := "metrics.reporter." + n + ".scope.variables.additional"
		have := c.Map(key)
		vars := map[string]string{}
		for k, v := range ours {
			if v != "" {
				vars[k] = v
			}
		}
		for k, v := range have {
			vars[k] = v
		}
		keys := make([]string, 0, len(vars))
		for k := range vars {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + vars[k]
		}
		out[key] = strings.Join(parts, ",")
		if logical := "metrics.reporter." + n + ".useLogicalIdentifier"; strings.TrimSpace(c[logical]) == "" {
			out[logical] = "true"
		}
	}
	return out
}

// datadogEnv returns the variables that bring the Datadog API key from its Secret into each
// Datadog reporter's apikey: the key as datadogKeyEnv (secretKeyRef), and FLINK_PROPERTIES
// lines the image's entrypoint merges into the container's own copy of the configuration.
// existing is the FLINK_PROPERTIES the pod already gets, kept in front of weir's lines.
// The variable comes first: the kubelet expands $(NAME) only from variables defined earlier.
func datadogEnv(c flinkconf.Conf, existing string) []corev1.EnvVar {
	secret, key, ok := DatadogKeySecret(c)
	if !ok {
		return nil
	}
	names := reporters(c, DatadogFactory)
	lines := []string{}
	if strings.TrimSpace(existing) != "" {
		lines = append(lines, strings.TrimRight(existing, "\n"))
	}
	for _, n := range names {
		if _, set := c["metrics.reporter."+n+".apikey"]; set {
			continue // the configuration brings its own key
		}
		lines = append(lines, "metrics.reporter."+n+".apikey: $("+datadogKeyEnv+")")
	}
	return []corev1.EnvVar{
		{Name: datadogKeyEnv, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key}}},
		{Name: flinkPropertiesEnv, Value: strings.Join(lines, "\n")},
	}
}

// existingFlinkProperties is the FLINK_PROPERTIES a component's pod would get without weir's
// lines: from its containerized.*.env. key, else from the pod template's main container.
func existingFlinkProperties(c flinkconf.Conf, envPrefix string, main *corev1.Container) string {
	if v, ok := c[envPrefix+flinkPropertiesEnv]; ok {
		return v
	}
	if main != nil {
		for _, e := range main.Env {
			if e.Name == flinkPropertiesEnv {
				return e.Value
			}
		}
	}
	return ""
}

// observability is what metric reporters, JSON logs and queryable state add to a component's
// pod: the Prometheus port and scrape annotations, the Datadog API key's variables, the
// pod-name variable of the JSON layout and, on TaskManagers, the queryable-state proxy port. envPrefix is the component's containerized.*.env. prefix;
// containers are its pod template's, where a FLINK_PROPERTIES of the user's may be.
func (c *cluster) observability(envPrefix string, containers []corev1.Container) (scrape, []corev1.EnvVar) {
	var env []corev1.EnvVar
	if jsonLogs(c.spec, c.conf) {
		env = append(env, podNameVar())
	}
	var main *corev1.Container
	for i := range containers {
		if containers[i].Name == MainContainer {
			main = &containers[i]
		}
	}
	env = append(env, datadogEnv(c.conf, existingFlinkProperties(c.conf, envPrefix, main))...)
	s := c.scrape()
	if envPrefix == flinkconf.KeyTaskManagerEnvPrefix {
		s.ports = append(s.ports, c.queryableStateContainerPorts()...)
	}
	return s, env
}
