package image

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeFlinkHome makes a FLINK_HOME whose scripts print their name and arguments, and whose
// config tool records what it was asked to set.
func fakeFlinkHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"bin", "conf", "opt", "plugins", "lib"} {
		if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"jobmanager.sh", "taskmanager.sh", "standalone-job.sh", "historyserver.sh", "sql-gateway.sh", "kubernetes-jobmanager.sh"} {
		script := "#!/bin/bash\necho \"RUN " + s + " $*\"\necho \"CONF ${FLINK_CONF_DIR:-unset}\"\n"
		if err := os.WriteFile(filepath.Join(home, "bin", s), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	parser := "#!/bin/bash\nprintf '%s\\n' \"$@\" > \"$FLINK_HOME/parser-args\"\n"
	if err := os.WriteFile(filepath.Join(home, "bin", "config-parser-utils.sh"), []byte(parser), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "conf", "config.yaml"), []byte("rest.port: 8081\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "opt", "flink-s3-fs-presto-1.20.0.jar"), []byte("jar"), 0o644); err != nil {
		t.Fatal(err)
	}
	return home
}

func runEntrypoint(t *testing.T, home string, env []string, args ...string) (string, error) {
	t.Helper()
	script := filepath.Join(t.TempDir(), "docker-entrypoint.sh")
	if err := os.WriteFile(script, flinkEntrypoint, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	uid := "0"
	if os.Geteuid() != 0 {
		uid = ""
	}
	cmd.Env = append([]string{"FLINK_HOME=" + home, "PATH=" + home + "/bin:/usr/bin:/bin", "FLINK_UID=" + uid}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestEntrypointCommands(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"jobmanager"}, "RUN jobmanager.sh start-foreground"},
		{[]string{"taskmanager", "-Dtaskmanager.resource-id=tm-1"}, "RUN taskmanager.sh start-foreground -Dtaskmanager.resource-id=tm-1"},
		{[]string{"standalone-job", "--job-classname", "org.example.Job", "--fromSavepoint", "s3://b/sp"}, "RUN standalone-job.sh start-foreground --job-classname org.example.Job --fromSavepoint s3://b/sp"},
		{[]string{"history-server"}, "RUN historyserver.sh start-foreground"},
		{[]string{"sql-gateway"}, "RUN sql-gateway.sh start-foreground"},
		// Native Kubernetes mode passes a shell command line through.
		{[]string{"bash", "-c", "kubernetes-jobmanager.sh kubernetes-application"}, "RUN kubernetes-jobmanager.sh kubernetes-application"},
		{[]string{"help"}, "Usage: /docker-entrypoint.sh (jobmanager|taskmanager|standalone-job"},
		{nil, "Usage:"},
	}
	for _, c := range cases {
		home := fakeFlinkHome(t)
		out, err := runEntrypoint(t, home, nil, c.args...)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: err=%v output:\n%s\nwant %q", c.args, err, out, c.want)
		}
	}
}

func TestEntrypointStandaloneDefaultsAndProperties(t *testing.T) {
	home := fakeFlinkHome(t)
	props := "jobmanager.memory.process.size: 1g\n  state.backend.type : rocksdb \n\n# comment\nnot a property\ns3.endpoint: http://minio:9000\n"
	out, err := runEntrypoint(t, home, []string{"FLINK_PROPERTIES=" + props, "TASK_MANAGER_NUMBER_OF_TASK_SLOTS=4", "JOB_MANAGER_RPC_ADDRESS=jm"}, "jobmanager")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, _ := os.ReadFile(filepath.Join(home, "parser-args"))
	want := strings.Join([]string{home + "/conf", home + "/bin", home + "/lib",
		"-Djobmanager.rpc.address=jm", "-Dblob.server.port=6124", "-Dquery.server.port=6125",
		"-Dtaskmanager.numberOfTaskSlots=4", "-Djobmanager.memory.process.size=1g",
		"-Dstate.backend.type=rocksdb", "-Ds3.endpoint=http://minio:9000"}, "\n") + "\n"
	if string(got) != want {
		t.Fatalf("config tool args:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(out, "ignoring FLINK_PROPERTIES line without 'key: value': not a property") {
		t.Errorf("bad line not reported:\n%s", out)
	}
}

func TestEntrypointKeepsConfiguredPortsAndNativeConfig(t *testing.T) {
	home := fakeFlinkHome(t)
	if err := os.WriteFile(filepath.Join(home, "conf", "config.yaml"), []byte("blob.server.port: 6200\nquery.server.port: 6201\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runEntrypoint(t, home, nil, "taskmanager"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(home, "parser-args")); err == nil {
		t.Fatal("config tool ran although nothing needed changing")
	}
	// Ports given in FLINK_PROPERTIES win over the defaults too.
	home = fakeFlinkHome(t)
	if out, err := runEntrypoint(t, home, []string{"FLINK_PROPERTIES=blob.server.port: 7000\nquery.server.port: 7001"}, "jobmanager"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if args, _ := os.ReadFile(filepath.Join(home, "parser-args")); strings.Contains(string(args), "6124") || !strings.Contains(string(args), "-Dblob.server.port=7000") {
		t.Fatalf("config tool args:\n%s", args)
	}
	// Native mode: nothing is forced, so the config is left alone.
	home = fakeFlinkHome(t)
	if out, err := runEntrypoint(t, home, nil, "bash", "-c", "kubernetes-jobmanager.sh kubernetes-session"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(home, "parser-args")); err == nil {
		t.Fatal("native mode changed the configuration")
	}
}

// TestEntrypointCopiesReadOnlyConf mounts conf read-only, as a ConfigMap volume is, in a
// private mount namespace: the settings must land in a writable copy that Flink is pointed at.
func TestEntrypointCopiesReadOnlyConf(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a read-only bind mount")
	}
	home := fakeFlinkHome(t)
	writable := filepath.Join(t.TempDir(), "conf")
	script := filepath.Join(t.TempDir(), "docker-entrypoint.sh")
	if err := os.WriteFile(script, flinkEntrypoint, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(home, "conf")
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "bash", "-c",
		`mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec bash "$2" jobmanager`, "sh", conf, script)
	cmd.Env = []string{"FLINK_HOME=" + home, "PATH=" + home + "/bin:/usr/bin:/bin:/usr/sbin:/sbin", "FLINK_UID=0",
		"WEIR_WRITABLE_CONF_DIR=" + writable, "FLINK_PROPERTIES=a.b: c"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "CONF "+writable) {
		t.Fatalf("Flink not pointed at the writable copy:\n%s", out)
	}
	if b, err := os.ReadFile(filepath.Join(writable, "config.yaml")); err != nil || !strings.Contains(string(b), "rest.port: 8081") {
		t.Fatalf("original settings not copied: %q %v", b, err)
	}
	args, _ := os.ReadFile(filepath.Join(home, "parser-args"))
	if !strings.HasPrefix(string(args), writable+"\n") || !strings.Contains(string(args), "-Da.b=c") {
		t.Fatalf("config tool did not update the copy:\n%s", args)
	}
}

func TestEntrypointEnablesBuiltInPlugins(t *testing.T) {
	home := fakeFlinkHome(t)
	out, err := runEntrypoint(t, home, []string{"ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-presto-1.20.0.jar"}, "jobmanager")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	link := filepath.Join(home, "plugins", "flink-s3-fs-presto-1.20.0", "flink-s3-fs-presto-1.20.0.jar")
	if data, err := os.ReadFile(link); err != nil || string(data) != "jar" {
		t.Fatalf("plugin not linked: %v", err)
	}
	home = fakeFlinkHome(t)
	out, err = runEntrypoint(t, home, []string{"ENABLE_BUILT_IN_PLUGINS=flink-s3-fs-presto-1.20.0.jar;flink-gs-fs-hadoop-1.20.0.jar"}, "jobmanager")
	if err == nil || strings.Contains(out, "RUN jobmanager.sh") || !strings.Contains(out, "flink-gs-fs-hadoop-1.20.0.jar, which is not in") {
		t.Fatalf("missing plugin accepted: err=%v\n%s", err, out)
	}
}

func TestEntrypointDropsRootToFlinkUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	home := fakeFlinkHome(t)
	script := filepath.Join(t.TempDir(), "docker-entrypoint.sh")
	if err := os.WriteFile(script, flinkEntrypoint, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, "id", "-u")
	cmd.Env = []string{"FLINK_HOME=" + home, "PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "9999" {
		t.Fatalf("ran as %q (%v), want uid 9999", out, err)
	}
}
