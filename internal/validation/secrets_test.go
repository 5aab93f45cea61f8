package validation

import (
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
)

func TestRequiredSecrets(t *testing.T) {
	m := strings.Replace(valid, "  jobManager:\n", `  podTemplate:
    spec:
      initContainers:
        - name: init
          image: busybox
          env:
            - {name: TOKEN, valueFrom: {secretKeyRef: {name: init-token, key: t}}}
      containers:
        - name: flink-main-container
          envFrom:
            - secretRef: {name: s3-credentials}
            - secretRef: {name: maybe, optional: true}
            - configMapRef: {name: not-a-secret}
          env:
            - {name: PLAIN, value: x}
            - {name: DB, valueFrom: {secretKeyRef: {name: db, key: password}}}
            - {name: OPT, valueFrom: {secretKeyRef: {name: opt, key: k, optional: true}}}
      volumes:
        - {name: certs, secret: {secretName: tls}}
        - {name: extra, secret: {secretName: extra, optional: true}}
  jobManager:
`, 1)
	m = strings.Replace(m, "  taskManager:\n", `  taskManager:
    podTemplate:
      spec:
        containers:
          - name: flink-main-container
            envFrom: [{secretRef: {name: s3-credentials}}]
`, 1)
	d := decodeDeployment(t, m)
	var got []string
	for _, r := range RequiredSecrets(&d.Spec) {
		got = append(got, r.Secret+"@"+r.Field)
	}
	want := []string{
		"init-token@spec.podTemplate.spec.initContainers[0].env[TOKEN]",
		"s3-credentials@spec.podTemplate.spec.containers[0].envFrom[0]",
		"db@spec.podTemplate.spec.containers[0].env[DB]",
		"tls@spec.podTemplate.spec.volumes[certs]",
		"s3-credentials@spec.taskManager.podTemplate.spec.containers[0].envFrom[0]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("required secrets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	exists := map[string]bool{"db": true, "tls": true, "init-token": true}
	err := MissingSecrets("apps", RequiredSecrets(&d.Spec), func(n string) bool { return exists[n] })
	wantMsg := `the Secret "s3-credentials" does not exist in namespace apps; the pods need it (spec.podTemplate.spec.containers[0].envFrom[0], spec.taskManager.podTemplate.spec.containers[0].envFrom[0]): create it, or mark the reference optional`
	if err == nil || err.Error() != wantMsg {
		t.Errorf("error %v\nwant %s", err, wantMsg)
	}
	exists["s3-credentials"] = true
	if err := MissingSecrets("apps", RequiredSecrets(&d.Spec), func(n string) bool { return exists[n] }); err != nil {
		t.Errorf("every Secret exists, got %v", err)
	}
	if refs := RequiredSecrets(&decodeDeployment(t, valid).Spec); len(refs) != 0 {
		t.Errorf("no pod template, got %v", refs)
	}
}

// The Datadog reporters' API key Secret is required only when a Datadog reporter is on.
func TestRequiredSecretsDatadogKey(t *testing.T) {
	const factory = "metrics.reporter.dd.factory.class"
	for _, tc := range []struct {
		name string
		conf map[string]string
		want string
	}{
		{"a reporter and its key", map[string]string{factory: resources.DatadogFactory, flinkconf.KeyDatadogAPIKeySecret: "datadog/api-key"},
			`datadog@spec.flinkConfiguration["kubernetes.operator.weir.metrics.datadog.api-key-secret"]`},
		{"a key without a reporter", map[string]string{flinkconf.KeyDatadogAPIKeySecret: "datadog/api-key"}, ""},
		{"a reporter left out by metrics.reporters", map[string]string{factory: resources.DatadogFactory, "metrics.reporters": "prom",
			flinkconf.KeyDatadogAPIKeySecret: "datadog/api-key"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decodeDeployment(t, valid)
			d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(tc.conf)
			var got []string
			for _, r := range RequiredSecrets(&d.Spec) {
				got = append(got, r.Secret+"@"+r.Field)
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("required secrets %v, want %q", got, tc.want)
			}
		})
	}
}
