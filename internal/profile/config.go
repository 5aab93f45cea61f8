package profile

import (
	"fmt"
	"strconv"
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/opconfig"
)

// defaultPrefix is the state prefix of a profile that names none.
const defaultPrefix = placeholderNamespace + "/" + placeholderName

// entropyKey is the marker Flink's S3 file systems replace with random characters in
// checkpoint data paths, spreading one app's writes over many S3 partitions.
const entropyKey = "_entropy_"

// stateConcepts are the settings whose key changed between Flink versions: an app that writes
// the old key of an enforced setting conflicts with it just as with the new one.
var stateConcepts = []flinkconf.Concept{
	flinkconf.HAType, flinkconf.SavepointDir, flinkconf.CheckpointDir, flinkconf.CheckpointStorage,
	flinkconf.CheckpointsRetained, flinkconf.RestorePath, flinkconf.RestoreIgnoreUnclaimed, flinkconf.RestoreClaimMode,
}

// aliasesOf returns every key that sets the same thing as key (key itself first).
func aliasesOf(key string) []string {
	for _, c := range stateConcepts {
		as := flinkconf.Aliases(c)
		for _, a := range as {
			if a == key {
				out := []string{key}
				for _, b := range as {
					if b != key {
						out = append(out, b)
					}
				}
				return out
			}
		}
	}
	return []string{key}
}

// stateKeys returns the enforced keys of the profile's state storage for one app; haKeys
// says whether the cluster-level HA keys belong (not for a session job's own configuration).
func stateKeys(s *weirv1alpha1.StateStorage, v flinkconf.Version, namespace, name string, haKeys bool) map[string]string {
	if s == nil {
		return nil
	}
	prefix := s.PrefixTemplate
	if prefix == "" {
		prefix = defaultPrefix
	}
	base := strings.TrimSuffix(s.Bucket, "/") + "/" + strings.Trim(render(prefix, namespace, name), "/")
	out := map[string]string{
		v.Key(flinkconf.SavepointDir): base + "/savepoints",
	}
	if s.Entropy {
		out["s3.entropy.key"] = entropyKey
		out["s3.entropy.length"] = "4"
		out[v.Key(flinkconf.CheckpointDir)] = strings.TrimSuffix(s.Bucket, "/") + "/" + entropyKey + "/" +
			strings.Trim(render(prefix, namespace, name), "/") + "/checkpoints"
	} else {
		out[v.Key(flinkconf.CheckpointDir)] = base + "/checkpoints"
	}
	if s.HA && haKeys {
		out[v.Key(flinkconf.HAType)] = "kubernetes"
		out[flinkconf.KeyHAStorageDir] = base + "/ha"
	}
	return out
}

// metricKeys returns the Flink keys of a metric reporter.
func metricKeys(m *weirv1alpha1.MetricsSpec) map[string]string {
	if m == nil {
		return nil
	}
	switch m.Reporter {
	case "prometheus":
		port := m.Port
		if port == 0 {
			port = 9249
		}
		return map[string]string{
			"metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
			"metrics.reporter.prom.port":          strconv.Itoa(int(port)),
		}
	case "jmx":
		return map[string]string{"metrics.reporter.jmx.factory.class": "org.apache.flink.metrics.jmx.JMXReporterFactory"}
	case "datadog":
		out := map[string]string{
			"metrics.reporter.dghttp.factory.class": "org.apache.flink.metrics.datadog.DatadogHttpReporterFactory",
		}
		if d := m.Datadog; d != nil {
			out[opconfig.DatadogAPIKeySecret] = d.APIKeySecret.Name + "/" + d.APIKeySecret.Key
			if d.DataCenter != "" {
				out["metrics.reporter.dghttp.dataCenter"] = d.DataCenter
			}
		}
		return out
	case "slf4j":
		return map[string]string{
			"metrics.reporter.slf4j.factory.class": "org.apache.flink.metrics.slf4j.Slf4jReporterFactory",
			"metrics.reporter.slf4j.interval":      "60 SECONDS",
		}
	}
	return nil
}

// queryableStateKeys returns the keys of the app's queryable-state Service (its type and
// annotations, "k1:v1,k2:v2" as Flink writes map options), rendered for one app.
func queryableStateKeys(q *weirv1alpha1.QueryableStateTemplate, namespace, name string) map[string]string {
	if q == nil {
		return nil
	}
	out := map[string]string{}
	if q.ServiceType != "" {
		out[opconfig.QueryableStateType] = string(q.ServiceType)
	}
	if len(q.Annotations) > 0 {
		ann := renderMap(q.Annotations, namespace, name)
		parts := make([]string, 0, len(ann))
		for _, k := range sortedKeys(ann) {
			parts = append(parts, k+":"+ann[k])
		}
		out[opconfig.QueryableStateAnnotations] = strings.Join(parts, ",")
	}
	return out
}

// layers returns the profile's flinkConfiguration defaults and enforced keys for one app.
// preset is the chosen preset (may be nil).
func layers(p *weirv1alpha1.FlinkProfile, preset *weirv1alpha1.ResourcePreset, v *flinkconf.Version,
	namespace, name string, cluster bool) (defaults, enforced map[string]string) {
	defaults, enforced = map[string]string{}, map[string]string{}
	if cluster {
		for k, val := range metricKeys(p.Spec.Metrics) {
			defaults[k] = val
		}
		for k, val := range queryableStateKeys(p.Spec.QueryableState, namespace, name) {
			defaults[k] = val
		}
		if p.Spec.LogFormat != "" {
			defaults[opconfig.LogFormat] = p.Spec.LogFormat
		}
		if preset != nil && preset.Slots != nil {
			defaults["taskmanager.numberOfTaskSlots"] = strconv.Itoa(int(*preset.Slots))
		}
		for k, val := range p.Spec.FlinkConfiguration.Defaults {
			defaults[k] = render(val, namespace, name)
		}
	}
	for k, val := range p.Spec.FlinkConfiguration.Enforced {
		enforced[k] = render(val, namespace, name)
	}
	if v != nil {
		for k, val := range stateKeys(p.Spec.State, *v, namespace, name, cluster) {
			enforced[k] = val
		}
	}
	return defaults, enforced
}

// mergeConfig lays defaults under the app's keys and enforced keys over them. An app key
// (or an older alias of it) that differs from an enforced value is a conflict. Values never
// appear in conflicts or findings: they may be secrets.
func mergeConfig(app v1beta1.ConfigObject, defaults, enforced map[string]string) (
	v1beta1.ConfigObject, []Finding, []string, error) {
	flat, err := app.Flatten()
	if err != nil {
		return app, nil, nil, err
	}
	var findings []Finding
	var conflicts []string
	merged := make(map[string]string, len(flat)+len(defaults)+len(enforced))
	for k, v := range flat {
		merged[k] = v
	}
	changed := false
	for _, k := range sortedKeys(enforced) {
		for _, a := range aliasesOf(k) {
			if v, ok := flat[a]; ok && v != enforced[k] {
				conflicts = append(conflicts, fmt.Sprintf("flinkConfiguration key %q", a))
			}
		}
		if merged[k] != enforced[k] {
			merged[k] = enforced[k]
			changed = true
		}
		findings = append(findings, Finding{Field: configField(k), Origin: OriginEnforced})
	}
	for _, k := range sortedKeys(defaults) {
		if _, isEnforced := enforced[k]; isEnforced {
			continue
		}
		if appSets(flat, k) {
			findings = append(findings, Finding{Field: configField(k), Origin: OriginApp})
			continue
		}
		merged[k] = defaults[k]
		changed = true
		findings = append(findings, Finding{Field: configField(k), Origin: OriginDefault})
	}
	if !changed {
		return app, findings, conflicts, nil
	}
	return v1beta1.NewConfigObject(merged), findings, conflicts, nil
}

func appSets(flat map[string]string, key string) bool {
	for _, a := range aliasesOf(key) {
		if _, ok := flat[a]; ok {
			return true
		}
	}
	return false
}

func configField(k string) string { return fmt.Sprintf("flinkConfiguration[%q]", k) }
