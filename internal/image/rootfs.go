package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"weir.dev/weir/internal/hostfs"
)

// BaseSpec describes the Debian + Java base of the Flink images.
type BaseSpec struct {
	Suite    string
	Variant  string
	Packages []string
	// FlinkUID is the uid and gid of the flink user, as in the official image.
	FlinkUID int
}

// JavaBase is the pinned base: minbase bookworm with Debian's Java 17 runtime.
var JavaBase = BaseSpec{
	Suite:    "bookworm",
	Variant:  "minbase",
	Packages: []string{"openjdk-17-jre-headless"},
	FlinkUID: 9999,
}

// JavaHomeInBase is where Debian installs the runtime.
const JavaHomeInBase = "/usr/lib/jvm/java-17-openjdk-amd64"

const baseRecipe = "java-base/1"

// Key identifies the base's inputs. The mirror is deliberately not part of it: any Debian
// mirror serves the same suite.
func (b BaseSpec) Key() string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%s|%d", baseRecipe, b.Suite, b.Variant, strings.Join(b.Packages, ","), b.FlinkUID)))
	return hex.EncodeToString(h[:])[:12]
}

func (b BaseSpec) dir(cacheRoot string) string {
	return filepath.Join(cacheRoot, "rootfs", "java17-"+b.Key())
}

const rootfsDone = ".weir-rootfs-done"

// EnsureRootfs builds the base tree with debootstrap and apt unless it is cached, and
// returns its directory.
func (b BaseSpec) EnsureRootfs(ctx context.Context, cacheRoot string, p *Progress) (string, error) {
	dir := b.dir(cacheRoot)
	if hostfs.Stamped(dir, rootfsDone, b.Key()) {
		return dir, nil
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("building the Debian base needs root (debootstrap, chroot, mount); run as root")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return "", fmt.Errorf("debootstrap is missing: apt-get install -y debootstrap")
	}
	unlock, err := hostfs.Lock(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if hostfs.Stamped(dir, rootfsDone, b.Key()) {
		return dir, nil
	}
	mirrors, err := HostMirrors(b.Suite)
	if err != nil {
		return "", err
	}
	tmp := dir + ".tmp"
	if err := removeRootfs(tmp); err != nil {
		return "", err
	}
	logPath := filepath.Join(cacheRoot, "logs", "rootfs-"+b.Key()+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return "", err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer logf.Close()
	run := func(what string, env []string, name string, args ...string) error {
		start := time.Now()
		p.Logf("%s …", what)
		fmt.Fprintf(logf, "\n$ %s %s\n", name, strings.Join(args, " "))
		var tailBuf bytes.Buffer
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive"}, env...)
		cmd.Stdout = io.MultiWriter(logf, &tailBuf)
		cmd.Stderr = cmd.Stdout
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s failed: %w (full log: %s)\n%s", what, err, logPath, lastLines(tailBuf.String(), 20))
		}
		p.Logf("%s done in %.0fs", what, time.Since(start).Seconds())
		return nil
	}
	if err := run("debootstrap "+b.Variant+" "+b.Suite, nil, "debootstrap", "--variant="+b.Variant, b.Suite, tmp, mirrors.Main); err != nil {
		return "", err
	}
	if err := writeAptConfig(tmp, b.Suite, mirrors); err != nil {
		return "", err
	}
	if err := mountChroot(tmp); err != nil {
		_ = removeRootfs(tmp) // best effort; the build error is the one to report
		return "", err
	}
	err = func() error {
		defer func() { _ = unmountAll(tmp) }() // checked again below
		if err := run("apt-get update", nil, "chroot", tmp, "apt-get", "update"); err != nil {
			return err
		}
		args := append([]string{tmp, "apt-get", "install", "-y", "--no-install-recommends"}, b.Packages...)
		if err := run("apt-get install "+strings.Join(b.Packages, " "), nil, "chroot", args...); err != nil {
			return err
		}
		uid := fmt.Sprint(b.FlinkUID)
		if err := run("add the flink user", nil, "chroot", tmp, "groupadd", "--system", "--gid", uid, "flink"); err != nil {
			return err
		}
		if err := run("add the flink user", nil, "chroot", tmp, "useradd", "--system", "--no-create-home",
			"--home-dir", "/opt/flink", "--uid", uid, "--gid", "flink", "--shell", "/bin/bash", "flink"); err != nil {
			return err
		}
		return run("apt-get clean", nil, "chroot", tmp, "apt-get", "clean")
	}()
	if err != nil {
		_ = removeRootfs(tmp) // best effort; the build error is the one to report
		return "", err
	}
	if err := unmountAll(tmp); err != nil {
		return "", err
	}
	if err := cleanChroot(tmp); err != nil {
		return "", err
	}
	if err := removeRootfs(dir); err != nil {
		return "", err
	}
	return dir, hostfs.Publish(tmp, dir, rootfsDone, b.Key())
}

// aptSourcesList is the image's own apt configuration: the host's mirrors for the suite,
// its updates and, when the host has one, its security suite.
func aptSourcesList(suite string, m Mirrors) string {
	s := fmt.Sprintf("deb %s %s main\ndeb %s %s-updates main\n", m.Main, suite, m.Main, suite)
	if m.Security != "" {
		s += fmt.Sprintf("deb %s %s-security main\n", m.Security, suite)
	}
	return s
}

func writeAptConfig(root, suite string, m Mirrors) error {
	if err := os.WriteFile(filepath.Join(root, "etc/apt/sources.list"), []byte(aptSourcesList(suite, m)), 0o644); err != nil {
		return err
	}
	// No service may start inside the chroot.
	if err := os.WriteFile(filepath.Join(root, "usr/sbin/policy-rc.d"), []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		return err
	}
	resolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return err
	}
	os.Remove(filepath.Join(root, "etc/resolv.conf"))
	return os.WriteFile(filepath.Join(root, "etc/resolv.conf"), resolv, 0o644)
}

func mountChroot(root string) error {
	mounts := []struct {
		src, dst, fstype string
		flags            uintptr
	}{
		{"proc", "proc", "proc", 0},
		{"sysfs", "sys", "sysfs", syscall.MS_RDONLY},
		{"/dev", "dev", "", syscall.MS_BIND},
	}
	for _, m := range mounts {
		dst := filepath.Join(root, m.dst)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
		if err := syscall.Mount(m.src, dst, m.fstype, m.flags, ""); err != nil {
			_ = unmountAll(root) // best effort; the mount error is the one to report
			return fmt.Errorf("mount %s on %s: %w", m.src, dst, err)
		}
	}
	return nil
}

// cleanChroot removes what only the build needed: package lists, the policy-rc.d guard
// and the host's resolver configuration (the kubelet provides the pod's).
func cleanChroot(root string) error {
	for _, p := range []string{"usr/sbin/policy-rc.d"} {
		if err := os.Remove(filepath.Join(root, p)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	lists, _ := filepath.Glob(filepath.Join(root, "var/lib/apt/lists/*"))
	for _, l := range lists {
		if filepath.Base(l) == "lock" || filepath.Base(l) == "partial" {
			continue
		}
		os.RemoveAll(l)
	}
	caches, _ := filepath.Glob(filepath.Join(root, "var/cache/apt/*.bin"))
	for _, c := range caches {
		os.Remove(c)
	}
	return os.WriteFile(filepath.Join(root, "etc/resolv.conf"), nil, 0o644)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
