package profile

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

func TestValidate(t *testing.T) {
	one := intstr.FromInt32(1)
	for _, tc := range []struct {
		name    string
		mutate  func(*weirv1alpha1.FlinkProfile)
		wantErr string
	}{
		{name: "the test profile is valid", mutate: func(*weirv1alpha1.FlinkProfile) {}},
		{name: "a pod template that contradicts the placement",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{NodeSelector: map[string]string{"pool": "other"}}}
			},
			wantErr: `spec.podTemplate.spec.nodeSelector["pool"] is "other", but spec.placement pins it to "flink"`},
		{name: "unknown placeholder",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.ServiceAccount.NameTemplate = "flink-{{app}}-{{name}}" },
			wantErr: "spec.serviceAccount.nameTemplate: unknown placeholder {{app}} (only {{namespace}} and {{name}})"},
		{name: "unbalanced braces",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.Ingress.HostTemplate = "{{name}.x" },
			wantErr: `spec.ingress.hostTemplate: unbalanced {{ or }} in "{{name}.x"`},
		{name: "a templated annotation is checked",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.ServiceAccount.Annotations["eks.amazonaws.com/role-arn"] = "arn:{{ name }}"
			},
			wantErr: `spec.serviceAccount.annotations["eks.amazonaws.com/role-arn"]: unknown placeholder {{ name }}`},
		{name: "a queryable-state annotation with a comma",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.QueryableState = &weirv1alpha1.QueryableStateTemplate{Annotations: map[string]string{"a": "x,y"}}
			},
			wantErr: `spec.queryableState.annotations["a"]: neither the key nor the value may contain a comma`},
		{name: "a queryable-state annotation with an unknown placeholder",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.QueryableState = &weirv1alpha1.QueryableStateTemplate{Annotations: map[string]string{"a": "{{app}}"}}
			},
			wantErr: `spec.queryableState.annotations["a"]: unknown placeholder {{app}}`},
		{name: "a queryable-state service type",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.QueryableState = &weirv1alpha1.QueryableStateTemplate{ServiceType: "ExternalName"}
			},
			wantErr: `spec.queryableState.serviceType "ExternalName" must be ClusterIP, NodePort or LoadBalancer`},
		{name: "a state prefix without the app's name",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.State.PrefixTemplate = "{{namespace}}" },
			wantErr: "spec.state.prefixTemplate must contain both {{namespace}} and {{name}}"},
		{name: "a bucket with a path",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.State.Bucket = "s3://state/apps" },
			wantErr: `spec.state.bucket "s3://state/apps" must be a file system URI with a bucket and no path`},
		{name: "a bucket without a scheme",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.State.Bucket = "state" },
			wantErr: `spec.state.bucket "state" must be a file system URI`},
		{name: "unknown default preset",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.DefaultPreset = "medium" },
			wantErr: `spec.defaultPreset "medium" is not one of spec.presets (large, small)`},
		{name: "a preset with no cpu",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.Presets["large"] = weirv1alpha1.ResourcePreset{TaskManager: &v1beta1.Resource{CPU: f64(0)}, Slots: i32(0)}
			},
			wantErr: "spec.presets.large.taskManager.cpu must be positive\nspec.presets.large.slots must be at least 1"},
		{name: "a key both default and enforced",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Enforced["parallelism.default"] = "4" },
			wantErr: `spec.flinkConfiguration: "parallelism.default" is both a default and enforced; keep one`},
		{name: "a key that is not a key",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkConfiguration.Defaults["a b"] = "x" },
			wantErr: `spec.flinkConfiguration.defaults: "a b" is not a Flink configuration key`},
		{name: "an operator-only key",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.FlinkConfiguration.Enforced["kubernetes.operator.reconcile.interval"] = "1 min"
			},
			wantErr: `"kubernetes.operator.reconcile.interval" can only be set in the operator config`},
		{name: "a key the state storage sets",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.FlinkConfiguration.Defaults["state.checkpoints.dir"] = "s3://x"
			},
			wantErr: `"state.checkpoints.dir" is set by spec.state; remove it`},
		{name: "last-state without HA",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.UpgradeMode = v1beta1.UpgradeModeLastState
				p.Spec.State.HA = false
			},
			wantErr: "spec.upgradeMode last-state needs HA"},
		{name: "an unsupported Flink version",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkVersion = "v1_15" },
			wantErr: "spec.flinkVersion: flinkVersion v1_15 is not supported"},
		{name: "an unknown metric reporter and log format",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.Metrics = &weirv1alpha1.MetricsSpec{Reporter: "graphite"}
				p.Spec.LogFormat = "xml"
			},
			wantErr: `spec.metrics.reporter "graphite" must be prometheus, jmx, slf4j or datadog` + "\n" + `spec.logFormat "xml" must be text or json`},
		{name: "datadog without its API key's Secret",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.Metrics = &weirv1alpha1.MetricsSpec{Reporter: "datadog"} },
			wantErr: "spec.metrics.datadog.apiKeySecret needs a name and a key"},
		{name: "a PodMonitor without the Prometheus reporter",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.Metrics = &weirv1alpha1.MetricsSpec{Reporter: "jmx", PodMonitor: true}
			},
			wantErr: "spec.metrics.podMonitor needs reporter prometheus"},
		{name: "datadog in an unknown data center",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.Metrics = &weirv1alpha1.MetricsSpec{Reporter: "datadog", Datadog: &weirv1alpha1.DatadogMetrics{
					APIKeySecret: weirv1alpha1.SecretKeyRef{Name: "dd", Key: "api-key"}, DataCenter: "AP1"}}
			},
			wantErr: `spec.metrics.datadog.dataCenter "AP1" must be US or EU`},
		{name: "a shared Ingress host",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.Ingress.HostTemplate = "flink.example/{{namespace}}" },
			wantErr: "spec.ingress.hostTemplate must contain {{name}}"},
		{name: "a shared service account",
			mutate:  func(p *weirv1alpha1.FlinkProfile) { p.Spec.ServiceAccount.NameTemplate = "flink" },
			wantErr: "spec.serviceAccount.nameTemplate must contain {{name}}"},
		{name: "a budget with both bounds",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.PodDisruptionBudget = &weirv1alpha1.PodDisruptionBudgetTemplate{MinAvailable: &one, MaxUnavailable: &one}
			},
			wantErr: "spec.podDisruptionBudget: set exactly one of minAvailable and maxUnavailable"},
		{name: "a bad namespace selector",
			mutate: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.Namespaces = &weirv1alpha1.NamespaceSelection{Selector: &metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: "Near"}}}}
			},
			wantErr: "spec.namespaces.selector:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testProfile()
			tc.mutate(p)
			err := Validate(p)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v\nwant %q", err, tc.wantErr)
			}
			if !strings.HasPrefix(err.Error(), `FlinkProfile "prod" is invalid: `) {
				t.Errorf("the error does not name the profile: %v", err)
			}
		})
	}
}

func TestRender(t *testing.T) {
	for in, want := range map[string]string{
		"flink-{{name}}":                       "flink-orders",
		"{{name}}.{{namespace}}.x/{{name}}":    "orders.team-a.x/orders",
		"arn:aws:iam::123:role/flink-{{name}}": "arn:aws:iam::123:role/flink-orders",
		"plain":                                "plain",
	} {
		if err := checkTemplate("t", in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
		if got := render(in, "team-a", "orders"); got != want {
			t.Errorf("render(%q) = %q, want %q", in, got, want)
		}
	}
}
