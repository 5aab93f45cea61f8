package validation

import (
	"strings"
	"testing"
)

// TestTraps: small mistakes that would otherwise fail late (at pull, at submit, in Flink, in
// etcd) are refused with a message naming the field.
func TestTraps(t *testing.T) {
	cases := []struct {
		rule, from, to string
		expect         string // "" means valid
	}{
		{"image trailing space", "image: flink:1.20", `image: "flink:1.20 "`, `spec.image "flink:1.20 " has leading or trailing whitespace; write it as "flink:1.20"`},
		{"image leading space", "image: flink:1.20", `image: " flink:1.20"`, `spec.image " flink:1.20" has leading or trailing whitespace`},
		{"image upper case", "image: flink:1.20", `image: Flink:1.20`, `spec.image "Flink:1.20" is not a valid image reference`},
		{"image bad tag", "image: flink:1.20", `image: "flink:1.20:x"`, `spec.image "flink:1.20:x" is not a valid image reference`},
		{"image with registry and digest", "image: flink:1.20", "image: registry.example.com:5000/team/flink@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ""},
		{"image localhost", "image: flink:1.20", "image: localhost/weir/flink:1.20", ""},
		{"local jar with two slashes", "local:///opt/flink/usrlib/job.jar", "local://opt/flink/usrlib/job.jar",
			`spec.job.jarURI "local://opt/flink/usrlib/job.jar" reads "opt" as a host, so the jar path would be "/flink/usrlib/job.jar": write three slashes, local:///opt/flink/usrlib/job.jar`},
		{"file jar with a host", "local:///opt/flink/usrlib/job.jar", "file://opt/job.jar", `reads "opt" as a host`},
		{"file jar on localhost", "local:///opt/flink/usrlib/job.jar", "file://localhost/opt/job.jar", ""},
		{"checkpoint interval", "    state.savepoints.dir: s3://b/sp\n", "    state.savepoints.dir: s3://b/sp\n    execution.checkpointing.interval: 10 sekunden\n",
			`spec.flinkConfiguration execution.checkpointing.interval "10 sekunden" is not a duration Flink reads`},
		{"checkpoint interval nested", "    state.savepoints.dir: s3://b/sp\n", "    state.savepoints.dir: s3://b/sp\n    execution: {checkpointing: {interval: 1.5s}}\n",
			`execution.checkpointing.interval "1.5s" is not a duration Flink reads`},
		{"checkpoint interval fine", "    state.savepoints.dir: s3://b/sp\n", "    state.savepoints.dir: s3://b/sp\n    execution.checkpointing.interval: 500 ms\n", ""},
		{"checkpoint interval in microseconds", "    state.savepoints.dir: s3://b/sp\n", "    state.savepoints.dir: s3://b/sp\n    execution.checkpointing.interval: 100000us\n", ""},
		{"periodic savepoint interval", "    state.savepoints.dir: s3://b/sp\n", "    state.savepoints.dir: s3://b/sp\n    kubernetes.operator.periodic.savepoint.interval: every hour\n",
			`spec.flinkConfiguration kubernetes.operator.periodic.savepoint.interval: "every hour" is neither a duration ("6 h") nor a Quartz cron expression ("0 0 */6 * * ?")`},
		{"readiness timeout", "    state.savepoints.dir: s3://b/sp\n", "    state.savepoints.dir: s3://b/sp\n    kubernetes.operator.deployment.readiness.timeout: 5 fortnights\n",
			`kubernetes.operator.deployment.readiness.timeout: duration "5 fortnights" has unknown unit`},
		{"name too long for labels", "name: basic,", "name: " + strings.Repeat("a", 64) + ",", "use at most 45 lower case letters"},
		{"huge log configuration", "  image:", "  logConfiguration: {log4j-console.properties: \"" + strings.Repeat("x", MaxSpecBytes) + "\"}\n  image:",
			"more than weir's limit of 256 KiB"},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			if !strings.Contains(valid, tc.from) {
				t.Fatalf("test bug: %q not in manifest", tc.from)
			}
			err := Deployment(decodeDeployment(t, strings.Replace(valid, tc.from, tc.to, 1)))
			switch {
			case tc.expect == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.expect != "" && err == nil:
				t.Fatalf("accepted, want %q", tc.expect)
			case tc.expect != "" && !strings.Contains(err.Error(), tc.expect):
				t.Fatalf("error %q\nwant it to contain %q", err.Error(), tc.expect)
			}
		})
	}
}

func TestSessionJobTraps(t *testing.T) {
	for _, tc := range []struct{ rule, from, to, expect string }{
		{"checkpoint interval", "  deploymentName: session", "  deploymentName: session\n  flinkConfiguration: {execution.checkpointing.interval: soon}",
			`spec.flinkConfiguration execution.checkpointing.interval "soon" is not a duration`},
		{"huge args", "parallelism: 2", "parallelism: 2\n    args: [\"" + strings.Repeat("y", MaxSpecBytes) + "\"]", "more than weir's limit of 256 KiB"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			err := SessionJob(decodeJob(t, strings.Replace(sessionJob, tc.from, tc.to, 1)), nil)
			if err == nil || !strings.Contains(err.Error(), tc.expect) {
				t.Fatalf("error %v, want %q", err, tc.expect)
			}
		})
	}
}
