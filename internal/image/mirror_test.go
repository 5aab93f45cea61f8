package image

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"weir.dev/weir/internal/hostfs"
)

func TestParseAptSources(t *testing.T) {
	files := map[string]string{
		"debian.sources": `Types: deb
# a comment
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://security.invalid/debian-security/
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.invalid/debian
Suites: bookworm

Enabled: no
Types: deb
URIs: http://disabled.invalid/debian
Suites: bookworm
`,
		"old.list":                "deb [arch=amd64 signed-by=/k.gpg] http://list.invalid/debian trixie main # comment\n# deb http://commented.invalid x main\ndeb-src http://src.invalid y main\n",
		"x.list.disabled-by-farm": "deb http://inactive.invalid/apt z main\n",
	}
	got := ParseAptSources(files)
	sort.Slice(got, func(i, j int) bool { return got[i].URI+got[i].Suite < got[j].URI+got[j].Suite })
	want := []AptSource{
		{"http://list.invalid/debian", "trixie"},
		{"http://mirror.invalid/debian", "bookworm"},
		{"http://mirror.invalid/debian", "bookworm-updates"},
		{"http://security.invalid/debian-security", "bookworm-security"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	m, err := PickMirrors(got, "bookworm")
	if err != nil || m.Main != "http://mirror.invalid/debian" || m.Security != "http://security.invalid/debian-security" {
		t.Fatalf("PickMirrors = %+v, %v", m, err)
	}
	if _, err := PickMirrors(got, "sid"); err == nil || !strings.Contains(err.Error(), "sources.list.d") {
		t.Fatalf("want an error that says where to add a source, got %v", err)
	}
}

func TestAptSourcesList(t *testing.T) {
	got := aptSourcesList("bookworm", Mirrors{Main: "http://m.invalid/debian", Security: "http://s.invalid/debian-security"})
	want := "deb http://m.invalid/debian bookworm main\ndeb http://m.invalid/debian bookworm-updates main\ndeb http://s.invalid/debian-security bookworm-security main\n"
	if got != want {
		t.Fatalf("got:\n%s", got)
	}
	if strings.Contains(aptSourcesList("bookworm", Mirrors{Main: "http://m.invalid/debian"}), "security") {
		t.Fatal("no security line without a security mirror")
	}
}

func TestMountPointsUnder(t *testing.T) {
	info := `22 1 8:1 / / rw - ext4 /dev/root rw
80 22 0:5 / /var/cache/weir/rootfs/x.tmp/proc rw - proc proc rw
81 22 0:6 / /var/cache/weir/rootfs/x.tmp/sys ro - sysfs sysfs ro
82 22 0:7 / /var/cache/weir/rootfs/x.tmp/dev rw - devtmpfs udev rw
83 82 0:8 / /var/cache/weir/rootfs/x.tmp/dev/pts rw - devpts devpts rw
84 22 0:9 / /var/cache/weir/rootfs/x.tmp2/proc rw - proc proc rw
85 22 0:9 / /var/cache/weir/rootfs/x.tmp/with\040space rw - tmpfs t rw
`
	got := hostfs.MountsUnder(info, "/var/cache/weir/rootfs/x.tmp/")
	if len(got) != 5 || got[0] != "/var/cache/weir/rootfs/x.tmp/dev/pts" {
		t.Fatalf("got %v (want 5, deepest first)", got)
	}
	for _, g := range got {
		if strings.Contains(g, "x.tmp2") {
			t.Fatalf("sibling directory matched: %v", got)
		}
	}
	found := false
	for _, g := range got {
		found = found || g == "/var/cache/weir/rootfs/x.tmp/with space"
	}
	if !found {
		t.Fatalf("escaped mount point not decoded: %v", got)
	}
}
