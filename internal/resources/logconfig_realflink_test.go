package resources

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/flinkdist"
)

// TestAgainstRealFlinkLogging runs a Flink utility of each pinned line with weir's default
// log4j configuration, text and JSON: with JSON every console line must be a JSON object,
// including messages that hold quotes, backslashes and tabs, and the log file the UI shows
// must be written too.
func TestAgainstRealFlinkLogging(t *testing.T) {
	if os.Getenv("WEIR_FLINK_IT") != "1" {
		t.Skip("set WEIR_FLINK_IT=1 to run weir's log configuration in real Flink")
	}
	javaHome, err := flinkdist.JavaHome()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range flinkdist.Lines() {
		for _, format := range []string{"text", "json"} {
			t.Run(line+"/"+format, func(t *testing.T) {
				home, err := flinkdist.Ensure(context.Background(), line)
				if err != nil {
					t.Fatal(err)
				}
				version := v1beta1.FlinkVersion("v" + strings.ReplaceAll(line, ".", "_"))
				spec := &v1beta1.FlinkDeploymentSpec{FlinkVersion: version}
				logs := logFiles(spec, flinkconf.Conf{flinkconf.KeyLogFormat: format}, logLabels{app: "basic", namespace: "flink"})
				// Flink logs every configuration line it loads: a value with JSON's special
				// characters makes the message a good test of the escaping.
				name, content, err := flinkconf.Render(version, flinkconf.Conf{
					flinkconf.KeyJMMemory: "1g", "weir.test.tricky": "say \"hi\" \\ \tthere",
				})
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				for f, c := range map[string]string{name: content, Log4jFile: logs[Log4jFile]} {
					if err := os.WriteFile(filepath.Join(dir, f), []byte(c), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				logFile := filepath.Join(dir, "jm.log")
				dist, _ := filepath.Glob(filepath.Join(home, "lib", "*.jar"))
				cp := filepath.Join(home, "bin", "bash-java-utils.jar") + ":" + strings.Join(dist, ":")
				cmd := exec.Command(filepath.Join(javaHome, "bin", "java"),
					"-Dlog4j.configurationFile=file:"+filepath.Join(dir, Log4jFile), "-Dlog.file="+logFile,
					"-classpath", cp, "org.apache.flink.runtime.util.bash.BashJavaUtils",
					"GET_JM_RESOURCE_PARAMS", "--configDir", dir)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("BashJavaUtils: %v\n%s%s", err, stdout.String(), stderr.String())
				}
				var logLines []string
				for _, l := range strings.Split(stdout.String(), "\n") {
					if strings.Contains(l, "GlobalConfiguration") || strings.Contains(l, "BashJavaUtils") {
						logLines = append(logLines, l)
					}
				}
				if len(logLines) == 0 {
					t.Fatalf("no log lines on the console:\n%s", stdout.String())
				}
				sawTricky := false
				for _, l := range logLines {
					if format == "text" {
						if strings.HasPrefix(l, "{") {
							t.Errorf("text layout wrote JSON: %s", l)
						}
						continue
					}
					var rec map[string]string
					if err := json.Unmarshal([]byte(l), &rec); err != nil {
						t.Errorf("console line is not JSON (%v): %s", err, l)
						continue
					}
					if rec["level"] == "" || rec["logger"] == "" || rec["@timestamp"] == "" {
						t.Errorf("JSON line lacks fields: %s", l)
					}
					sawTricky = sawTricky || strings.Contains(rec["message"], "say \"hi\" \\ \tthere")
				}
				if format == "json" && !sawTricky {
					t.Errorf("no JSON message carried the tricky value intact:\n%s", strings.Join(logLines, "\n"))
				}
				if fi, err := os.Stat(logFile); err != nil || fi.Size() == 0 {
					t.Errorf("log file %s not written: %v", logFile, err)
				}
			})
		}
	}
}
