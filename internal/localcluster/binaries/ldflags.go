package binaries

import (
	"fmt"
	"strings"
)

// kubeVersionPackages both carry version variables; setting only one leaves
// `v0.0.0-master+$Format:%H$` in some version outputs.
var kubeVersionPackages = []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"}

// KubeLDFlags renders the -ldflags value for a Kubernetes binary of version
// (without leading v) stamped with buildDate (RFC 3339).
func KubeLDFlags(version, buildDate string) string {
	major, minor := "", ""
	parts := strings.SplitN(version, ".", 3)
	if len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	f := []string{"-s", "-w"}
	for _, p := range kubeVersionPackages {
		f = append(f,
			fmt.Sprintf("-X %s.gitVersion=v%s", p, version),
			fmt.Sprintf("-X %s.gitMajor=%s", p, major),
			fmt.Sprintf("-X %s.gitMinor=%s", p, minor),
			fmt.Sprintf("-X %s.gitTreeState=clean", p),
			fmt.Sprintf("-X %s.buildDate=%s", p, buildDate),
		)
	}
	return strings.Join(f, " ")
}

// installLDFlags strips symbols and, for crictl, versitygw and the Victoria binaries, stamps the version their
// upstream Makefiles set (otherwise their version commands say "unknown" or "git").
func installLDFlags(b Binary) string {
	switch b.Group {
	case GroupCrictl:
		return "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=v" + b.Version
	case GroupVersityGW:
		return "-s -w -X main.Version=v" + b.Version
	case GroupVictoriaMetrics, GroupVictoriaLogs:
		// Their Makefiles stamp <app>-<date>-<tag>; the tag alone is what matters here.
		return "-s -w -X github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=" + b.Name + "-v" + b.Version
	}
	return "-s -w"
}
