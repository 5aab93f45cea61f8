package localcluster

import (
	"archive/tar"
	"bytes"
	"slices"
	"testing"
)

func TestNormalizeImageName(t *testing.T) {
	for in, want := range map[string]string{
		"flink:1.20":             "docker.io/library/flink:1.20",
		"busybox":                "docker.io/library/busybox:latest",
		"apache/flink:2.1":       "docker.io/apache/flink:2.1",
		"localhost/weir/pause:1": "localhost/weir/pause:1",
		"localhost:5000/x":       "localhost:5000/x:latest",
		"index.docker.io/a/b:1":  "docker.io/a/b:1",
		"reg.example/x@sha256:0": "reg.example/x@sha256:0",
	} {
		if got := NormalizeImageName(in); got != want {
			t.Errorf("NormalizeImageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func archive(t *testing.T, files map[string]string) *bytes.Buffer {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	return &buf
}

func TestImageNamesInArchive(t *testing.T) {
	got, err := ImageNamesInArchive(archive(t, map[string]string{
		"manifest.json": `[{"Config":"c","RepoTags":["localhost/weir/pause:1","flink:1.20"]}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"localhost/weir/pause:1", "docker.io/library/flink:1.20"}) {
		t.Errorf("docker-save names = %v", got)
	}
	got, err = ImageNamesInArchive(archive(t, map[string]string{
		"oci-layout": `{"imageLayoutVersion":"1.0.0"}`,
		"index.json": `{"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"localhost/weir/java17:1"}},{"annotations":{"org.opencontainers.image.ref.name":"1"}}]}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"localhost/weir/java17:1"}) {
		t.Errorf("OCI names = %v", got)
	}
	if _, err := ImageNamesInArchive(archive(t, map[string]string{"hello.txt": "x"})); err == nil {
		t.Error("a tarball without image metadata was accepted")
	}
}
