package profile

import (
	"reflect"
	"testing"

	"weir.dev/weir/api/weirv1alpha1"
)

func TestMetricKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *weirv1alpha1.MetricsSpec
		want map[string]string
	}{
		{"none", nil, nil},
		{"prometheus on its own port", &weirv1alpha1.MetricsSpec{Reporter: "prometheus", Port: 9300}, map[string]string{
			"metrics.reporter.prom.factory.class": "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
			"metrics.reporter.prom.port":          "9300",
		}},
		{"datadog in the EU, its key named, never its value", &weirv1alpha1.MetricsSpec{Reporter: "datadog", Datadog: &weirv1alpha1.DatadogMetrics{
			APIKeySecret: weirv1alpha1.SecretKeyRef{Name: "datadog", Key: "api-key"}, DataCenter: "EU"}}, map[string]string{
			"metrics.reporter.dghttp.factory.class":                   "org.apache.flink.metrics.datadog.DatadogHttpReporterFactory",
			"metrics.reporter.dghttp.dataCenter":                      "EU",
			"kubernetes.operator.weir.metrics.datadog.api-key-secret": "datadog/api-key",
		}},
		{"datadog in the default data center", &weirv1alpha1.MetricsSpec{Reporter: "datadog", Datadog: &weirv1alpha1.DatadogMetrics{
			APIKeySecret: weirv1alpha1.SecretKeyRef{Name: "datadog", Key: "k"}}}, map[string]string{
			"metrics.reporter.dghttp.factory.class":                   "org.apache.flink.metrics.datadog.DatadogHttpReporterFactory",
			"kubernetes.operator.weir.metrics.datadog.api-key-secret": "datadog/k",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := metricKeys(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("metricKeys = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueryableStateKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *weirv1alpha1.QueryableStateTemplate
		want map[string]string
	}{
		{"none", nil, nil},
		{"empty", &weirv1alpha1.QueryableStateTemplate{}, map[string]string{}},
		{"a load balancer with templated annotations, sorted", &weirv1alpha1.QueryableStateTemplate{ServiceType: "LoadBalancer",
			Annotations: map[string]string{
				"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
				"external-dns.alpha.kubernetes.io/hostname":           "qs.{{name}}.{{namespace}}.flink.internal",
			}}, map[string]string{
			"kubernetes.operator.weir.queryable-state.service-type": "LoadBalancer",
			"kubernetes.operator.weir.queryable-state.annotations": "external-dns.alpha.kubernetes.io/hostname:qs.orders.team-a.flink.internal," +
				"service.beta.kubernetes.io/aws-load-balancer-scheme:internal",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := queryableStateKeys(tc.in, "team-a", "orders"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("queryableStateKeys = %v, want %v", got, tc.want)
			}
		})
	}
}
