package flinkdist

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// The maven-dependency-plugin's copy goal is pinned to 2.8: later releases read each
// artifact's POM chain, and some published Flink jars (the 2.3.0 examples) have a parent POM
// missing from the repository.
const (
	dependencyPluginVersion = "2.8"
	copyGoal                = "org.apache.maven.plugins:maven-dependency-plugin:" + dependencyPluginVersion + ":copy"
)

// fetchPOM renders a throw-away POM whose only purpose is to make `mvn dependency:copy`
// download arts into its local repository. copy resolves each artifact alone, without its
// POM chain: some published Flink jars have parent POMs missing from the repository, which
// breaks dependency resolution. Using mvn keeps the repository location in Maven's own
// configuration.
func fetchPOM(arts []mavenArtifact, outDir string) ([]byte, error) {
	type artifactItem struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
		Type       string `xml:"type"`
		Classifier string `xml:"classifier,omitempty"`
	}
	type plugin struct {
		GroupID       string         `xml:"groupId"`
		ArtifactID    string         `xml:"artifactId"`
		Version       string         `xml:"version"`
		ArtifactItems []artifactItem `xml:"configuration>artifactItems>artifactItem"`
		OutputDir     string         `xml:"configuration>outputDirectory"`
	}
	type project struct {
		XMLName      xml.Name `xml:"project"`
		XMLNS        string   `xml:"xmlns,attr"`
		ModelVersion string   `xml:"modelVersion"`
		GroupID      string   `xml:"groupId"`
		ArtifactID   string   `xml:"artifactId"`
		Version      string   `xml:"version"`
		Packaging    string   `xml:"packaging"`
		Plugins      []plugin `xml:"build>plugins>plugin"`
	}
	pl := plugin{GroupID: "org.apache.maven.plugins", ArtifactID: "maven-dependency-plugin",
		Version: dependencyPluginVersion, OutputDir: outDir}
	seen := map[string]bool{}
	for _, a := range arts {
		if seen[a.coords()] {
			continue
		}
		seen[a.coords()] = true
		pl.ArtifactItems = append(pl.ArtifactItems, artifactItem{GroupID: a.Group, ArtifactID: a.Artifact,
			Version: a.Version, Type: "jar", Classifier: a.Classifier})
	}
	p := project{XMLNS: "http://maven.apache.org/POM/4.0.0", ModelVersion: "4.0.0",
		GroupID: "dev.weir", ArtifactID: "flinkdist-fetch", Version: "1", Packaging: "pom",
		Plugins: []plugin{pl}}
	b, err := xml.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// ensureMaven downloads the missing artifacts into repo and returns each one's local path
// keyed by coordinates.
func ensureMaven(ctx context.Context, repo string, arts []mavenArtifact, logf func(string, ...any)) (map[string]string, error) {
	paths := map[string]string{}
	var missing []mavenArtifact
	for _, a := range arts {
		p := filepath.Join(repo, a.repoPath())
		paths[a.coords()] = p
		if _, err := os.Stat(p); err != nil {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return paths, nil
	}
	mvn, err := exec.LookPath("mvn")
	if err != nil {
		return nil, fmt.Errorf("mvn is needed to download Flink jars from Maven Central: apt-get install -y maven")
	}
	dir, err := os.MkdirTemp("", "weir-flinkdist-mvn-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	pom, err := fetchPOM(missing, filepath.Join(dir, "out"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pom.xml"), pom, 0o644); err != nil {
		return nil, err
	}
	for _, a := range missing {
		logf("maven %s", a.coords())
	}
	cmd := exec.CommandContext(ctx, mvn, "-B", "-q", "-Dmaven.repo.local="+repo, "-f", filepath.Join(dir, "pom.xml"), copyGoal)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("mvn could not download %d Flink artifacts (is Maven Central reachable?): %w\n%s", len(missing), err, tail(out.String(), 3000))
	}
	for _, a := range missing {
		if _, err := os.Stat(paths[a.coords()]); err != nil {
			return nil, fmt.Errorf("mvn finished but %s is not at %s", a.coords(), paths[a.coords()])
		}
	}
	return paths, nil
}
