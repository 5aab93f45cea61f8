package image

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func requireImageIT(t *testing.T) {
	t.Helper()
	if os.Getenv("WEIR_IMAGE_IT") != "1" {
		t.Skip("set WEIR_IMAGE_IT=1 to build real images (debootstrap, apt, root)")
	}
}

func cacheRootForTest() string {
	if d := os.Getenv("WEIR_CACHE_DIR"); d != "" {
		return d
	}
	return "/var/cache/weir"
}

// TestJavaBaseRootfs builds (or reuses) the Debian base and runs its Java inside it.
func TestJavaBaseRootfs(t *testing.T) {
	requireImageIT(t)
	dir, err := JavaBase.EnsureRootfs(context.Background(), cacheRootForTest(), NewProgress(nil))
	if err != nil {
		t.Fatal(err)
	}
	// The JVM finds its libraries through /proc/self/exe: give it a private /proc.
	out, err := exec.Command("unshare", "--mount", "--pid", "--fork", "--mount-proc="+filepath.Join(dir, "proc"),
		"chroot", dir, filepath.Join(JavaHomeInBase, "bin", "java"), "-version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `version "17.`) {
		t.Fatalf("java -version in the base: %v\n%s", err, out)
	}
	passwd, _ := os.ReadFile(filepath.Join(dir, "etc/passwd"))
	if !strings.Contains(string(passwd), "flink:x:9999:9999:") {
		t.Fatalf("no flink user with uid 9999:\n%s", passwd)
	}
}
