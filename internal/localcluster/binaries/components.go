package binaries

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Pinned versions of everything the local cluster runs.
const (
	EtcdVersion       = "3.6.4"
	KubernetesVersion = "1.34.2"
	CoreDNSVersion    = "1.15.0"
	CrictlVersion     = "1.34.0"
	// VersityGWVersion is the S3 server (an S3 gateway over a POSIX directory) that holds
	// Flink's state on the local platform.
	VersityGWVersion = "1.8.0"
	// VictoriaMetricsVersion is the metrics server and VictoriaLogsVersion the log store and
	// its shipper (vlagent) of the local platform's opt-in observability.
	VictoriaMetricsVersion = "1.151.0"
	VictoriaLogsVersion    = "1.52.2"
	// TraefikVersion is the ingress controller that routes to apps' Ingresses on the local platform.
	TraefikVersion = "3.7.13"
)

// Group is a set of binaries built from one wrapper module or one `go install`.
type Group string

const (
	GroupEtcd       Group = "etcd"
	GroupKubernetes Group = "kubernetes"
	GroupCoreDNS    Group = "coredns"
	GroupCrictl     Group = "crictl"
	GroupVersityGW  Group = "versitygw"
	// GroupVictoriaMetrics and GroupVictoriaLogs are optional: only `up --with observability` runs them.
	GroupVictoriaMetrics Group = "victoriametrics"
	GroupVictoriaLogs    Group = "victorialogs"
	GroupTraefik         Group = "traefik"
)

// Binary is one executable the local cluster needs.
type Binary struct {
	Name    string // file name, e.g. kube-apiserver
	Group   Group
	Version string // without a leading v
	Package string // Go package path of the main package
}

// All lists every binary in build order, the order `make test`'s suites need them (CI builds
// them in the background while the first suites run): envtest's (etcd, kube-apiserver,
// kubectl), the S3 server, the observability daemons and the ingress controller, then the
// rest of the cluster for the e2e.
func All() []Binary {
	k := func(name string) Binary {
		return Binary{Name: name, Group: GroupKubernetes, Version: KubernetesVersion, Package: "k8s.io/kubernetes/cmd/" + name}
	}
	return []Binary{
		{Name: "etcd", Group: GroupEtcd, Version: EtcdVersion, Package: "x/etcdbuild"},
		k("kube-apiserver"),
		k("kubectl"),
		{Name: "versitygw", Group: GroupVersityGW, Version: VersityGWVersion, Package: "github.com/versity/versitygw/cmd/versitygw"},
		{Name: "victoria-metrics", Group: GroupVictoriaMetrics, Version: VictoriaMetricsVersion, Package: "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics"},
		{Name: "vmalert", Group: GroupVictoriaMetrics, Version: VictoriaMetricsVersion, Package: "github.com/VictoriaMetrics/VictoriaMetrics/app/vmalert"},
		{Name: "victoria-logs", Group: GroupVictoriaLogs, Version: VictoriaLogsVersion, Package: "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs"},
		{Name: "vlagent", Group: GroupVictoriaLogs, Version: VictoriaLogsVersion, Package: "github.com/VictoriaMetrics/VictoriaLogs/app/vlagent"},
		{Name: "traefik", Group: GroupTraefik, Version: TraefikVersion, Package: TraefikModule + "/cmd/traefik"},
		k("kube-controller-manager"),
		k("kube-scheduler"),
		k("kubelet"),
		k("kube-proxy"),
		{Name: "coredns", Group: GroupCoreDNS, Version: CoreDNSVersion, Package: "github.com/coredns/coredns"},
		{Name: "crictl", Group: GroupCrictl, Version: CrictlVersion, Package: "sigs.k8s.io/cri-tools/cmd/crictl"},
	}
}

// ObservabilityNames are the binaries of `weir local up --with observability`: the metrics
// server, its rule engine, the log store and the log shipper.
var ObservabilityNames = []string{"victoria-metrics", "vmalert", "victoria-logs", "vlagent"}

// Optional reports whether b runs only when asked for (observability), so a plain `up`
// neither builds nor waits for it.
func Optional(b Binary) bool {
	return b.Group == GroupVictoriaMetrics || b.Group == GroupVictoriaLogs
}

// EnvtestNames are the binaries controller-runtime's envtest expects in KUBEBUILDER_ASSETS.
var EnvtestNames = []string{"etcd", "kube-apiserver", "kubectl"}

// Select returns the binaries with the given names, in build order.
func Select(names ...string) ([]Binary, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []Binary
	for _, b := range All() {
		if want[b.Name] {
			out = append(out, b)
			delete(want, b.Name)
		}
	}
	for n := range want {
		return nil, fmt.Errorf("unknown binary %q (known: %s)", n, strings.Join(knownNames(), ", "))
	}
	return out, nil
}

func knownNames() []string {
	var n []string
	for _, b := range All() {
		n = append(n, b.Name)
	}
	return n
}

// DefaultCacheDir is $WEIR_CACHE_DIR, or /var/cache/weir.
func DefaultCacheDir() string {
	if d := os.Getenv("WEIR_CACHE_DIR"); d != "" {
		return d
	}
	return "/var/cache/weir"
}

// Cache locates built binaries and build state under one cache root.
type Cache struct{ Root string }

// Dir is the directory holding a binary: bin/<group>-<version>.
func (c Cache) Dir(b Binary) string {
	return filepath.Join(c.Root, "bin", fmt.Sprintf("%s-%s", b.Group, b.Version))
}

// Path is the full path of a built binary.
func (c Cache) Path(b Binary) string { return filepath.Join(c.Dir(b), b.Name) }

// GoModCache and GoBuildCache keep the heavy dependency trees apart from the developer's own caches.
func (c Cache) GoModCache() string   { return filepath.Join(c.Root, "go", "mod") }
func (c Cache) GoBuildCache() string { return filepath.Join(c.Root, "go", "build") }

// WrapperDir is where a group's wrapper module lives.
func (c Cache) WrapperDir(g Group, version string) string {
	return filepath.Join(c.Root, "build", fmt.Sprintf("%s-%s", g, version))
}

// EnvtestDir holds symlinks to exactly etcd, kube-apiserver and kubectl.
func (c Cache) EnvtestDir() string {
	return filepath.Join(c.Root, "envtest-"+KubernetesVersion)
}
