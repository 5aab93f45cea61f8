package flinkdist

import (
	"fmt"
	"path/filepath"
	"strings"
)

// mavenArtifact is one jar from Maven Central and where it goes in the distribution.
type mavenArtifact struct {
	Group, Artifact, Version, Classifier string
	// Dest is the path inside the distribution; empty for inputs that are transformed
	// (the state machine example is cut out of the main examples jar).
	Dest string
}

func (a mavenArtifact) coords() string {
	s := a.Group + ":" + a.Artifact + ":" + a.Version
	if a.Classifier != "" {
		s += ":" + a.Classifier
	}
	return s
}

// repoPath is the artifact's path inside a Maven local repository.
func (a mavenArtifact) repoPath() string {
	name := a.Artifact + "-" + a.Version
	if a.Classifier != "" {
		name += "-" + a.Classifier
	}
	return filepath.Join(append(splitGroup(a.Group), a.Artifact, a.Version, name+".jar")...)
}

func splitGroup(g string) []string {
	var out []string
	start := 0
	for i := 0; i < len(g); i++ {
		if g[i] == '.' {
			out = append(out, g[start:i])
			start = i + 1
		}
	}
	return append(out, g[start:])
}

const flinkGroup = "org.apache.flink"

// mavenArtifacts lists what the PyPI packages lack for version v. The PyPI libraries ship
// opt/ with only flink-python and flink-sql-client, and no examples at all.
func mavenArtifacts(v string) []mavenArtifact {
	opt := func(a string) mavenArtifact {
		return mavenArtifact{Group: flinkGroup, Artifact: a, Version: v, Dest: fmt.Sprintf("opt/%s-%s.jar", a, v)}
	}
	example := func(classifier string) mavenArtifact {
		return mavenArtifact{Group: flinkGroup, Artifact: "flink-examples-streaming", Version: v,
			Classifier: classifier, Dest: "examples/streaming/" + classifier + ".jar"}
	}
	out := []mavenArtifact{
		opt("flink-s3-fs-presto"),
		opt("flink-s3-fs-hadoop"),
		example("WordCount"),
		example("TopSpeedWindowing"),
		// The state machine example has no classifier jar of its own on Maven Central
		// (upstream builds it in an unpublished helper module); it is cut from the main jar.
		stateMachineSource(v),
	}
	if hasQueryableState(v) {
		// Where the official image keeps it: weir's TaskManagers copy it from opt/ when an
		// app turns queryable state on (docs/profiles.md, "Queryable state").
		out = append(out, opt(queryableStateRuntime))
	}
	return out
}

const queryableStateRuntime = "flink-queryable-state-runtime"

// hasQueryableState says whether release v has queryable state (Flink 2.0 removed it).
func hasQueryableState(v string) bool { return strings.HasPrefix(v, "1.") }

func stateMachineSource(v string) mavenArtifact {
	return mavenArtifact{Group: flinkGroup, Artifact: "flink-examples-streaming", Version: v}
}

// reporterJars are the metric reporters that must also sit in opt/, as in the official
// image, so ENABLE_BUILT_IN_PLUGINS can name them. PyPI ships them under plugins/; they are
// copied from there, and fetched from Maven Central only when missing.
var reporterJars = []struct{ Artifact, PluginDir string }{
	{"flink-metrics-prometheus", "metrics-prometheus"},
	{"flink-metrics-datadog", "metrics-datadog"},
}
