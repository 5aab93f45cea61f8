package flinkconf

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	yaml3 "go.yaml.in/yaml/v3"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkdist"
)

// richDeployment exercises nested configuration, renamed keys, HA, both resource forms,
// program args with separators and a restore.
const richDeployment = `
metadata: {name: rich, namespace: flink}
spec:
  flinkVersion: VERSION
  serviceAccount: flink
  flinkConfiguration:
    taskmanager: {numberOfTaskSlots: 2}
    high-availability: kubernetes
    high-availability.storageDir: file:///tmp/ha
    state.savepoints.dir: file:///tmp/sp
    execution.checkpointing: {interval: 10s, dir: "file:///tmp/cp"}
    env.java.opts.all: ["-Dx=1", "-Dy=2"]
    pipeline.global-job-parameters: "a:1,b:2"
  jobManager:
    resources: {requests: {memory: 1600Mi, cpu: 500m}, limits: {memory: 2Gi, cpu: "1"}}
  taskManager:
    resource: {memory: 2g, cpu: 1}
  job:
    jarURI: local:///opt/flink/usrlib/job.jar
    entryClass: org.example.Main
    args: ["--in", "a;b", "it's", "--out", "x y"]
    parallelism: 4
    upgradeMode: last-state
`

// TestAgainstRealFlink renders the configuration of each pinned Flink line and has that
// Flink read it back with its own loader (BashJavaUtils, which every Flink start script
// runs): every key must come back with the same value, and the memory settings must give
// JobManager and TaskManager JVM parameters.
func TestAgainstRealFlink(t *testing.T) {
	if os.Getenv("WEIR_FLINK_IT") != "1" {
		t.Skip("set WEIR_FLINK_IT=1 to check rendered configuration with real Flink")
	}
	javaHome, err := flinkdist.JavaHome()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range flinkdist.Lines() {
		t.Run(line, func(t *testing.T) {
			start := time.Now()
			home, err := flinkdist.Ensure(context.Background(), line)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("Flink %s at %s (%s)", line, home, time.Since(start).Round(time.Millisecond))
			version := v1beta1.FlinkVersion("v" + strings.ReplaceAll(line, ".", "_"))
			ver, err := Lookup(version)
			if err != nil {
				t.Fatal(err)
			}
			d := deployment(t, strings.Replace(richDeployment, "VERSION", string(version), 1))
			c, err := Build(d, &d.Spec)
			if err != nil {
				t.Fatal(err)
			}
			if c, err = WithStart(c, version, "file:///tmp/sp/savepoint-1", true, "0123456789abcdef0123456789abcdef"); err != nil {
				t.Fatal(err)
			}
			if ver.StandardYAML {
				c["weir.test.hash"] = "x # y"
				c["weir.test.quotes"] = `say "hi" \ 'there'`
				c["weir.test.colon"] = "a: b"
				c["weir.test.octal"] = "0755"
				c["weir.test.null"] = "null"
			}
			file, content, err := Render(version, c)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			back := flinkRead(t, javaHome, home, dir, "UPDATE_AND_GET_FLINK_CONFIGURATION", "-flatten")
			got := parseFlat(t, back, ver.StandardYAML)
			for k, want := range c {
				if g, ok := got[k]; !ok || g != want {
					t.Errorf("Flink %s read %q as %q (present %v), want %q", line, k, g, ok, want)
				}
			}
			if len(got) != len(c) {
				t.Errorf("Flink %s read %d keys, weir wrote %d", line, len(got), len(c))
			}
			for _, cmd := range []string{"GET_JM_RESOURCE_PARAMS", "GET_TM_RESOURCE_PARAMS"} {
				out := flinkRead(t, javaHome, home, dir, cmd)
				if !strings.Contains(out, "-Xmx") {
					t.Errorf("%s on Flink %s gave no heap size:\n%s", cmd, line, out)
				}
			}
			t.Logf("Flink %s read %d keys back (%s)", line, len(got), time.Since(start).Round(time.Millisecond))
		})
	}
}

const resultPrefix = "BASH_JAVA_UTILS_EXEC_RESULT:"

// flinkRead runs Flink's BashJavaUtils on a configuration directory and returns its result
// lines (continuation lines of multi-line values included), prefix removed.
func flinkRead(t *testing.T, javaHome, flinkHome, confDir string, args ...string) string {
	t.Helper()
	dist, _ := filepath.Glob(filepath.Join(flinkHome, "lib", "flink-dist*.jar"))
	if len(dist) != 1 {
		t.Fatalf("no flink-dist jar in %s/lib", flinkHome)
	}
	cp := filepath.Join(flinkHome, "bin", "bash-java-utils.jar") + ":" + dist[0]
	cmd := exec.Command(filepath.Join(javaHome, "bin", "java"), append([]string{"-classpath", cp,
		"org.apache.flink.runtime.util.bash.BashJavaUtils", args[0], "--configDir", confDir}, args[1:]...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("BashJavaUtils %s: %v\n%s", args[0], err, out.String())
	}
	var res []string
	in := false
	for _, l := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(l, resultPrefix); ok {
			res, in = append(res, rest), true
		} else if in && strings.HasPrefix(l, " ") {
			res = append(res, l)
		} else {
			in = false
		}
	}
	return strings.Join(res, "\n")
}

// parseFlat reads Flink's dump: YAML for 2.x, "key: value" lines for 1.x.
func parseFlat(t *testing.T, s string, standard bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	if !standard {
		for _, l := range strings.Split(s, "\n") {
			if k, v, ok := strings.Cut(l, ": "); ok {
				out[k] = v
			}
		}
		return out
	}
	var m map[string]any
	if err := yaml3.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("Flink's dump is not YAML: %v\n%s", err, s)
	}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case int:
			out[k] = strconv.Itoa(x)
		case bool:
			out[k] = strconv.FormatBool(x)
		case nil:
			out[k] = ""
		default:
			t.Errorf("key %q came back as %T %v", k, v, v)
		}
	}
	return out
}
