package flinkdist

import (
	"strings"
	"testing"
)

func TestDistPath(t *testing.T) {
	cases := []struct {
		kind  packageKind
		entry string
		want  string
	}{
		// 1.20 libraries: an sdist with the tree under <name>/deps/
		{libraries, "apache-flink-libraries-1.20.0/deps/lib/flink-dist-1.20.0.jar", "lib/flink-dist-1.20.0.jar"},
		{libraries, "apache-flink-libraries-1.20.0/deps/plugins/metrics-jmx/flink-metrics-jmx-1.20.0.jar", "plugins/metrics-jmx/flink-metrics-jmx-1.20.0.jar"},
		{libraries, "apache-flink-libraries-1.20.0/deps/opt/flink-python-1.20.0.jar", "opt/flink-python-1.20.0.jar"},
		{libraries, "apache-flink-libraries-1.20.0/deps/bin/bash-java-utils.jar", "bin/bash-java-utils.jar"},
		{libraries, "apache-flink-libraries-1.20.0/deps/licenses/LICENSE.kryo", "licenses/LICENSE.kryo"},
		{libraries, "apache-flink-libraries-1.20.0/NOTICE", "NOTICE"},
		{libraries, "apache-flink-libraries-1.20.0/setup.py", ""},
		{libraries, "apache-flink-libraries-1.20.0/pyflink/version.py", ""},
		// 2.x libraries: a wheel with the tree under pyflink/
		{libraries, "pyflink/lib/flink-dist-2.3.0.jar", "lib/flink-dist-2.3.0.jar"},
		{libraries, "pyflink/bin/bash-java-utils.jar", "bin/bash-java-utils.jar"},
		{libraries, "pyflink/README.txt", ""},
		{libraries, "apache_flink_libraries-2.3.0.dist-info/RECORD", ""},
		// apache-flink: scripts and conf only
		{scripts, "pyflink/bin/flink", "bin/flink"},
		{scripts, "pyflink/bin/pyflink-udf-runner.bat", ""},
		{scripts, "pyflink/conf/config.yaml", "conf/config.yaml"},
		{scripts, "pyflink/datastream/functions.py", ""},
		{scripts, "pyflink/lib/evil.jar", ""},
		// never escape the target directory
		{libraries, "pyflink/lib/../../etc/passwd", ""},
		{scripts, "/pyflink/bin/flink", ""},
		{libraries, "pyflink/lib/", ""},
	}
	for _, c := range cases {
		if got := distPath(c.kind, c.entry); got != c.want {
			t.Errorf("distPath(%v, %q) = %q, want %q", c.kind, c.entry, got, c.want)
		}
	}
}

func TestExecutable(t *testing.T) {
	for rel, want := range map[string]bool{
		"bin/flink": true, "bin/config.sh": true, "bin/bash-java-utils.jar": false,
		"conf/config.yaml": false, "plugins/external-resource-gpu/nvidia-gpu-discovery.sh": true,
		"lib/flink-dist-1.20.0.jar": false,
	} {
		if got := executable(rel); got != want {
			t.Errorf("executable(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestResolve(t *testing.T) {
	for in, want := range map[string]string{"1.20": "1.20.0", "v1_20": "1.20.0", "1.20.0": "1.20.0", "2.3": "2.3.0", " V2_3 ": "2.3.0"} {
		got, err := Resolve(in)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.19", "1.20.3", "2", "latest"} {
		if _, err := Resolve(bad); err == nil || !strings.Contains(err.Error(), "1.20, 2.3") {
			t.Errorf("Resolve(%q) error = %v, want one listing the pinned lines", bad, err)
		}
	}
	if got := Line("2.3.0"); got != "2.3" {
		t.Errorf("Line = %q", got)
	}
}

func TestKeyChangesWithVersionOnly(t *testing.T) {
	a, _ := Key("1.20")
	b, _ := Key("1.20.0")
	c, _ := Key("2.3")
	if a != b || a == c || len(a) != 16 {
		t.Fatalf("keys: %q %q %q", a, b, c)
	}
}

func TestMavenArtifacts(t *testing.T) {
	arts := mavenArtifacts("2.3.0")
	dests := map[string]string{}
	for _, a := range arts {
		dests[a.coords()] = a.Dest
	}
	want := map[string]string{
		"org.apache.flink:flink-s3-fs-presto:2.3.0":                         "opt/flink-s3-fs-presto-2.3.0.jar",
		"org.apache.flink:flink-s3-fs-hadoop:2.3.0":                         "opt/flink-s3-fs-hadoop-2.3.0.jar",
		"org.apache.flink:flink-examples-streaming:2.3.0:WordCount":         "examples/streaming/WordCount.jar",
		"org.apache.flink:flink-examples-streaming:2.3.0:TopSpeedWindowing": "examples/streaming/TopSpeedWindowing.jar",
		"org.apache.flink:flink-examples-streaming:2.3.0":                   "",
	}
	for k, v := range want {
		if d, ok := dests[k]; !ok || d != v {
			t.Errorf("%s -> %q (present %v), want %q", k, d, ok, v)
		}
	}
	if _, ok := dests["org.apache.flink:flink-queryable-state-runtime:2.3.0"]; ok {
		t.Error("Flink 2 has no queryable state, but its runtime is fetched")
	}
	found := false
	for _, a := range mavenArtifacts("1.20.0") {
		found = found || (a.coords() == "org.apache.flink:flink-queryable-state-runtime:1.20.0" && a.Dest == "opt/flink-queryable-state-runtime-1.20.0.jar")
	}
	if !found {
		t.Error("Flink 1.20's queryable-state runtime is not fetched into opt/")
	}
	a := mavenArtifact{Group: "org.apache.flink", Artifact: "flink-examples-streaming", Version: "1.20.0", Classifier: "WordCount"}
	if got := a.repoPath(); got != "org/apache/flink/flink-examples-streaming/1.20.0/flink-examples-streaming-1.20.0-WordCount.jar" {
		t.Errorf("repoPath = %q", got)
	}
}

func TestFetchPOMListsEachArtifactOnce(t *testing.T) {
	arts := append(mavenArtifacts("1.20.0"), mavenArtifacts("1.20.0")...)
	b, err := fetchPOM(arts, "/x/out")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"<version>" + dependencyPluginVersion + "</version>", "<classifier>TopSpeedWindowing</classifier>", "<outputDirectory>/x/out</outputDirectory>"} {
		if !strings.Contains(s, want) {
			t.Errorf("POM lacks %s:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "<artifactItem>"); n != len(mavenArtifacts("1.20.0")) {
		t.Errorf("%d artifactItems, want %d", n, len(mavenArtifacts("1.20.0")))
	}
}

func TestPipArgsPinPlatformForScriptsOnly(t *testing.T) {
	a := pipArgs("1.20.0", "/d")
	if len(a) != 2 {
		t.Fatal(a)
	}
	libs, scripts := strings.Join(a[0], " "), strings.Join(a[1], " ")
	if !strings.HasSuffix(libs, "apache-flink-libraries==1.20.0") || strings.Contains(libs, "--platform") {
		t.Errorf("libraries args: %s", libs)
	}
	if !strings.HasSuffix(scripts, "apache-flink==1.20.0") || !strings.Contains(scripts, "--only-binary=:all:") {
		t.Errorf("scripts args: %s", scripts)
	}
	for _, args := range a {
		if !strings.Contains(strings.Join(args, " "), "--no-deps") {
			t.Errorf("missing --no-deps: %v", args)
		}
	}
}
