package profile

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/opconfig"
)

// Validate reports everything wrong with a profile, each problem on its own line, so that
// the profile's status.error names them all at once. Values are never quoted: a
// flinkConfiguration value may be a secret.
func Validate(p *weirv1alpha1.FlinkProfile) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	tmpl := func(field, t string) {
		if err := checkTemplate(field, t); err != nil {
			errs = append(errs, err)
		}
	}
	s := &p.Spec

	if n := s.Namespaces; n != nil && n.Selector != nil {
		if _, err := metav1.LabelSelectorAsSelector(n.Selector); err != nil {
			add("spec.namespaces.selector: %v", err)
		}
	}
	if s.FlinkVersion != "" {
		if _, err := flinkconf.Lookup(s.FlinkVersion); err != nil {
			add("spec.flinkVersion: %v", err)
		}
	}
	for _, name := range sortedKeys(s.Presets) {
		pr := s.Presets[name]
		if strings.TrimSpace(name) == "" {
			add("spec.presets: a preset has an empty name")
		}
		for i, r := range []*v1beta1.Resource{pr.JobManager, pr.TaskManager} {
			if r != nil && r.CPU != nil && *r.CPU <= 0 {
				add("spec.presets.%s.%s.cpu must be positive", name, []string{"jobManager", "taskManager"}[i])
			}
		}
		if pr.Slots != nil && *pr.Slots < 1 {
			add("spec.presets.%s.slots must be at least 1", name)
		}
		if pr.TaskManagerReplicas != nil && *pr.TaskManagerReplicas < 1 {
			add("spec.presets.%s.taskManagerReplicas must be at least 1", name)
		}
	}
	if s.DefaultPreset != "" {
		if _, ok := s.Presets[s.DefaultPreset]; !ok {
			add("spec.defaultPreset %q is not one of spec.presets (%s)", s.DefaultPreset, presetNames(s.Presets))
		}
	}

	checkKeys := func(field string, m map[string]string) {
		for _, k := range sortedKeys(m) {
			switch {
			case strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t\n:"):
				add("%s: %q is not a Flink configuration key", field, k)
			case opconfig.OperatorOnlyKey(k):
				add("%s: %q can only be set in the operator config, not per app", field, k)
			}
			tmpl(fmt.Sprintf("%s[%q]", field, k), m[k])
		}
	}
	checkKeys("spec.flinkConfiguration.defaults", s.FlinkConfiguration.Defaults)
	checkKeys("spec.flinkConfiguration.enforced", s.FlinkConfiguration.Enforced)
	for _, k := range sortedKeys(s.FlinkConfiguration.Defaults) {
		if _, ok := s.FlinkConfiguration.Enforced[k]; ok {
			add("spec.flinkConfiguration: %q is both a default and enforced; keep one", k)
		}
	}

	if st := s.State; st != nil {
		if i := strings.Index(st.Bucket, "://"); i <= 0 || strings.Trim(st.Bucket[i+3:], "/") == "" ||
			strings.Contains(strings.Trim(st.Bucket[i+3:], "/"), "/") {
			add("spec.state.bucket %q must be a file system URI with a bucket and no path, e.g. s3://flink-state", st.Bucket)
		}
		if st.PrefixTemplate != "" {
			tmpl("spec.state.prefixTemplate", st.PrefixTemplate)
			if !strings.Contains(st.PrefixTemplate, placeholderNamespace) || !strings.Contains(st.PrefixTemplate, placeholderName) {
				add("spec.state.prefixTemplate must contain both {{namespace}} and {{name}}, so that no two apps share state")
			}
		}
		// The state keys are enforced; the same key among the profile's own keys is ambiguous.
		for _, k := range append(sortedKeys(s.FlinkConfiguration.Defaults), sortedKeys(s.FlinkConfiguration.Enforced)...) {
			for _, c := range []flinkconf.Concept{flinkconf.CheckpointDir, flinkconf.SavepointDir, flinkconf.HAType} {
				for _, a := range flinkconf.Aliases(c) {
					if a == k {
						add("spec.flinkConfiguration: %q is set by spec.state; remove it", k)
					}
				}
			}
			if k == flinkconf.KeyHAStorageDir && st.HA {
				add("spec.flinkConfiguration: %q is set by spec.state.ha; remove it", k)
			}
		}
	}

	switch s.UpgradeMode {
	case "", v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState, v1beta1.UpgradeModeStateless:
	default:
		add("spec.upgradeMode %q must be savepoint, last-state or stateless", s.UpgradeMode)
	}
	if s.UpgradeMode == v1beta1.UpgradeModeLastState && (s.State == nil || !s.State.HA) &&
		s.FlinkConfiguration.Enforced[flinkconf.KeyHAStorageDir] == "" {
		add("spec.upgradeMode last-state needs HA: set spec.state.ha")
	}
	if m := s.Metrics; m != nil && metricKeys(m) == nil {
		add("spec.metrics.reporter %q must be prometheus, jmx, slf4j or datadog", m.Reporter)
	}
	if m := s.Metrics; m != nil && m.PodMonitor && m.Reporter != "prometheus" {
		add("spec.metrics.podMonitor needs reporter prometheus")
	}
	if m := s.Metrics; m != nil && m.Reporter == "datadog" {
		if d := m.Datadog; d == nil || d.APIKeySecret.Name == "" || d.APIKeySecret.Key == "" ||
			strings.Contains(d.APIKeySecret.Name, "/") {
			add("spec.metrics.datadog.apiKeySecret needs a name and a key")
		} else if d.DataCenter != "" && d.DataCenter != "US" && d.DataCenter != "EU" {
			add("spec.metrics.datadog.dataCenter %q must be US or EU", d.DataCenter)
		}
	}
	switch s.LogFormat {
	case "", "text", "json":
	default:
		add("spec.logFormat %q must be text or json", s.LogFormat)
	}

	if in := s.Ingress; in != nil {
		tmpl("spec.ingress.hostTemplate", in.HostTemplate)
		if !strings.Contains(in.HostTemplate, placeholderName) {
			add("spec.ingress.hostTemplate must contain {{name}}, so that each app has its own address")
		}
		for _, k := range sortedKeys(in.Annotations) {
			tmpl(fmt.Sprintf("spec.ingress.annotations[%q]", k), in.Annotations[k])
		}
		for i, t := range in.TLS {
			tmpl(fmt.Sprintf("spec.ingress.tls[%d].secretName", i), t.SecretName)
			for j, h := range t.Hosts {
				tmpl(fmt.Sprintf("spec.ingress.tls[%d].hosts[%d]", i, j), h)
			}
		}
	}
	if q := s.QueryableState; q != nil {
		switch q.ServiceType {
		case "", "ClusterIP", "NodePort", "LoadBalancer":
		default:
			add("spec.queryableState.serviceType %q must be ClusterIP, NodePort or LoadBalancer", q.ServiceType)
		}
		for _, k := range sortedKeys(q.Annotations) {
			field := fmt.Sprintf("spec.queryableState.annotations[%q]", k)
			tmpl(field, q.Annotations[k])
			if strings.Contains(k, ",") || strings.Contains(q.Annotations[k], ",") {
				// They travel as one "k1:v1,k2:v2" configuration value.
				add("%s: neither the key nor the value may contain a comma", field)
			}
		}
	}
	if sa := s.ServiceAccount; sa != nil {
		tmpl("spec.serviceAccount.nameTemplate", sa.NameTemplate)
		if !strings.Contains(sa.NameTemplate, placeholderName) {
			add("spec.serviceAccount.nameTemplate must contain {{name}}: each app gets its own service account")
		}
		for _, k := range sortedKeys(sa.Annotations) {
			tmpl(fmt.Sprintf("spec.serviceAccount.annotations[%q]", k), sa.Annotations[k])
		}
	}
	if t := s.PodTemplate; t != nil {
		for _, problem := range t.DecodeProblems() {
			add("spec.podTemplate: %s", problem)
		}
		if pl := s.Placement; pl != nil {
			for _, k := range sortedKeys(t.Spec.NodeSelector) {
				if v, ok := pl.NodeSelector[k]; ok && v != t.Spec.NodeSelector[k] {
					add("spec.podTemplate.spec.nodeSelector[%q] is %q, but spec.placement pins it to %q", k, t.Spec.NodeSelector[k], v)
				}
			}
		}
	}
	if pl := s.Placement; pl != nil {
		for _, k := range sortedKeys(pl.NodeSelector) {
			tmpl(fmt.Sprintf("spec.placement.nodeSelector[%q]", k), pl.NodeSelector[k])
		}
		for i, t := range pl.Tolerations {
			tmpl(fmt.Sprintf("spec.placement.tolerations[%d].value", i), t.Value)
		}
	}
	if pdb := s.PodDisruptionBudget; pdb != nil && (pdb.MinAvailable == nil) == (pdb.MaxUnavailable == nil) {
		add("spec.podDisruptionBudget: set exactly one of minAvailable and maxUnavailable")
	}

	if len(errs) == 0 {
		return nil
	}
	return &InvalidError{Profile: p.Name, Err: errors.Join(errs...)}
}

// InvalidError says a profile is invalid; its apps keep their last valid effective spec.
type InvalidError struct {
	Profile string
	Err     error
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("FlinkProfile %q is invalid: %v", e.Profile, e.Err)
}

func (e *InvalidError) Unwrap() error { return e.Err }

func presetNames(m map[string]weirv1alpha1.ResourcePreset) string {
	if len(m) == 0 {
		return "none defined"
	}
	return strings.Join(sortedKeys(m), ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
