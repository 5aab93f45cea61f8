package validation

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/flinkdist"
)

// TestMemoryMinimumsAgainstRealFlink: the least process size validation allows starts with
// each pinned Flink (its BashJavaUtils derives the JVM parameters, and the JVM accepts them),
// and one MiB less is refused by Flink or the JVM, so weir rejects nothing Flink would run.
func TestMemoryMinimumsAgainstRealFlink(t *testing.T) {
	if os.Getenv("WEIR_FLINK_IT") != "1" {
		t.Skip("set WEIR_FLINK_IT=1 to check memory minimums with real Flink")
	}
	javaHome, err := flinkdist.JavaHome()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, comp string
		conf       flinkconf.Conf
	}{
		{"jm defaults", "jobManager", flinkconf.Conf{}},
		{"jm small metaspace", "jobManager", flinkconf.Conf{"jobmanager.memory.jvm-metaspace.size": "64m"}},
		{"tm defaults", "taskManager", flinkconf.Conf{}},
		{"tm less managed", "taskManager", flinkconf.Conf{"taskmanager.memory.managed.fraction": "0.1"}},
		{"tm managed size", "taskManager", flinkconf.Conf{"taskmanager.memory.managed.size": "512m"}},
	}
	for _, line := range flinkdist.Lines() {
		home, err := flinkdist.Ensure(context.Background(), line)
		if err != nil {
			t.Fatal(err)
		}
		version := v1beta1.FlinkVersion("v" + strings.ReplaceAll(line, ".", "_"))
		for _, tc := range cases {
			t.Run(line+"/"+tc.name, func(t *testing.T) {
				m := &memoryModel{c: tc.conf, ok: true}
				heap, least, key, cmd := jobManagerHeap, jvmMinHeap, flinkconf.KeyJMMemory, "GET_JM_RESOURCE_PARAMS"
				if tc.comp == "taskManager" {
					heap, least, key, cmd = taskManagerHeap, 0, flinkconf.KeyTMMemory, "GET_TM_RESOURCE_PARAMS"
				}
				n := (smallestProcess(m, heap, least) + mib - 1) / mib * mib
				for _, size := range []int64{n - mib, n} {
					c := flinkconf.Conf{key: flinkconf.FormatMemory(size)}
					for k, v := range tc.conf {
						c[k] = v
					}
					accepted := Deployment(memoryDeployment(t, tc.comp, c)) == nil
					runs, out := flinkStarts(t, javaHome, home, version, c, cmd)
					t.Logf("%s: weir accepts %v, Flink starts %v", c[key], accepted, runs)
					if accepted != runs {
						t.Errorf("%s = %s: weir accepts %v but Flink starts %v:\n%s", key, c[key], accepted, runs, out)
					}
				}
			})
		}
	}
}

// memoryDeployment is a session cluster whose component comp is sized by flinkConfiguration c.
func memoryDeployment(t *testing.T, comp string, c flinkconf.Conf) *v1beta1.FlinkDeployment {
	t.Helper()
	var conf []string
	for k, v := range c {
		conf = append(conf, k+": \""+v+"\"")
	}
	jm, tm := "resource: {memory: 1g}", "resource: {memory: 2g}"
	if comp == "jobManager" {
		jm = ""
	} else {
		tm = ""
	}
	return decodeDeployment(t, strings.NewReplacer("{CONF}", "{"+strings.Join(conf, ", ")+"}", "{JM}", "{"+jm+"}", "{TM}", "{"+tm+"}").Replace(memoryManifest))
}

// flinkStarts has Flink derive the JVM parameters of a process from c (as its start scripts
// do) and the JVM start with them.
func flinkStarts(t *testing.T, javaHome, flinkHome string, version v1beta1.FlinkVersion, c flinkconf.Conf, cmd string) (bool, string) {
	t.Helper()
	file, content, err := flinkconf.Render(version, c)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	dist, _ := filepath.Glob(filepath.Join(flinkHome, "lib", "flink-dist*.jar"))
	if len(dist) != 1 {
		t.Fatalf("no flink-dist jar in %s/lib", flinkHome)
	}
	java := filepath.Join(javaHome, "bin", "java")
	var out bytes.Buffer
	run := exec.Command(java, "-classpath", filepath.Join(flinkHome, "bin", "bash-java-utils.jar")+":"+dist[0],
		"org.apache.flink.runtime.util.bash.BashJavaUtils", cmd, "--configDir", dir)
	run.Stdout, run.Stderr = &out, &out
	if err := run.Run(); err != nil {
		return false, out.String()
	}
	var jvm []string
	for _, l := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(l, "BASH_JAVA_UTILS_EXEC_RESULT:"); ok {
			jvm = strings.Fields(rest)
			break
		}
	}
	if len(jvm) == 0 {
		return false, out.String()
	}
	start := exec.Command(java, append(jvm, "-version")...)
	start.Stdout, start.Stderr = &out, &out
	return start.Run() == nil, out.String()
}
