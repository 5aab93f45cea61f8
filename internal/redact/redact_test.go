package redact

import "testing"

func TestIsSensitiveKey(t *testing.T) {
	for key, want := range map[string]bool{
		// Flink's own list, matched anywhere in the key, in any case.
		"s3.secret-key": true,
		"fs.azure.account.key.acct.blob.core.windows.net": true,
		"metrics.reporter.dghttp.apikey":                  true,
		"pulsar.client.auth-params":                       true,
		"gs.service-key":                                  true,
		"security.delegation.token.provider.enabled":      true,
		"rest.basic-auth.user":                            true,
		"properties.sasl.jaas.config":                     true,
		"metrics.reporter.otel.http-headers":              true,
		"security.ssl.rest.keystore-PASSWORD":             true,
		// weir's additions.
		"metrics.reporter.x.api-key": true,
		"fs.s3a.access.key":          true,
		"s3.access-key":              true,
		"gcs.credentials.json":       true,
		// Ordinary keys stay visible.
		"taskmanager.numberOfTaskSlots": false,
		"s3.endpoint":                   false,
		"state.checkpoints.dir":         false,
		"kubernetes.secrets":            true, // names Secrets, harmless but hidden like Flink does
	} {
		if got := IsSensitiveKey(key); got != want {
			t.Errorf("IsSensitiveKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestConfHidesOnlySensitiveValues(t *testing.T) {
	got := Conf(map[string]string{"s3.secret-key": "hunter2", "parallelism.default": "2"})
	if got["s3.secret-key"] != Hidden || got["parallelism.default"] != "2" {
		t.Errorf("Conf: %v", got)
	}
}

func TestTextHidesSensitiveAssignments(t *testing.T) {
	for in, want := range map[string]string{
		"connect failed: password=hunter2, host=db":              "connect failed: password=******, host=db",
		"s3.secret-key: abc/def+ghi (from flink-conf)":           "s3.secret-key: ****** (from flink-conf)",
		`Caused by: x: {"token": "t0k3n", "user": "u"}`:          `Caused by: x: {"token": ******, "user": "u"}`,
		"java.io.IOException: Connection refused: host:9000":     "java.io.IOException: Connection refused: host:9000",
		"at org.apache.flink.Foo.bar(Foo.java:42)":               "at org.apache.flink.Foo.bar(Foo.java:42)",
		"fs.s3a.access.key=AKIAEXAMPLE fs.s3a.endpoint=http://x": "fs.s3a.access.key=****** fs.s3a.endpoint=http://x",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}
