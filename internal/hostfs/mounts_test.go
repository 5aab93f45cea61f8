package hostfs

import (
	"slices"
	"testing"
)

func TestMountsUnderDeepestFirst(t *testing.T) {
	info := `22 1 0:20 / / rw - ext4 /dev/vda rw
40 22 0:30 / /var/lib/weir/local/containerd/state/x/rootfs rw - overlay overlay rw
41 40 0:31 / /var/lib/weir/local/containerd/state/x/rootfs/dev/shm rw - tmpfs shm rw
42 22 0:32 / /var/lib/weir/local\040other rw - tmpfs t rw
43 22 0:33 / /var/lib/weir/localx rw - tmpfs t rw
44 22 0:34 / /var/lib/weir/local/kubelet/root/pods/p/volumes/x rw - tmpfs t rw
45 41 0:35 / /var/lib/weir/local/containerd/state/x/rootfs/dev/shm rw - tmpfs shm rw
`
	got := MountsUnder(info, "/var/lib/weir/local/")
	want := []string{
		"/var/lib/weir/local/containerd/state/x/rootfs/dev/shm",
		"/var/lib/weir/local/kubelet/root/pods/p/volumes/x",
		"/var/lib/weir/local/containerd/state/x/rootfs",
	}
	if !slices.Equal(got, want) {
		t.Errorf("MountsUnder = %q, want %q", got, want)
	}
	if got := MountsUnder(info, "/var/lib/weir/local other"); !slices.Equal(got, []string{"/var/lib/weir/local other"}) {
		t.Errorf("escaped mount point not decoded: %q", got)
	}
	if got := MountsUnder(info, "/nowhere"); len(got) != 0 {
		t.Errorf("MountsUnder(/nowhere) = %q", got)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`:    "/a b",
		`/tab\011x`:  "/tab\tx",
		`/back\134s`: `/back\s`,
		`/not\08x`:   `/not\08x`, // 8 is not octal: kept as is
		`/plain`:     "/plain",
		`/end\04`:    `/end\04`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMountedReadsTheMountTable(t *testing.T) {
	got, err := Mounted("/")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, "/") {
		t.Errorf("Mounted(/) = %q, want it to hold /", got)
	}
}

func TestUnmountWithNothingMounted(t *testing.T) {
	if err := Unmount(t.TempDir(), 3, false); err != nil {
		t.Fatal(err)
	}
}
