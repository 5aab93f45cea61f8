package localcluster

import (
	"os"
	"path/filepath"
)

// Fixed addresses of the local cluster. Everything binds to the bridge or to
// loopback; nothing listens on 0.0.0.0.
const (
	BridgeName    = "weir0"
	BridgeIP      = "10.88.0.1"
	BridgeCIDR    = "10.88.0.1/16"
	PodCIDR       = "10.88.0.0/16"
	PodRangeStart = "10.88.0.10"
	ServiceCIDR   = "10.96.0.0/16"
	KubernetesSvc = "10.96.0.1"
	DNSServiceIP  = "10.96.0.10"
	ClusterDomain = "cluster.local"
	NodeName      = "weir-local"

	APIServerPort   = 6443
	EtcdClientPort  = 22379
	EtcdPeerPort    = 22380
	KCMPort         = 21257
	SchedulerPort   = 21259
	KubeletPort     = 10250
	KubeletHealthz  = 10248
	ProxyHealthPort = 10256
	ProxyMetrics    = 10249

	PauseImage = "localhost/weir/pause:1"

	// ContainerLogsDir is where the kubelet keeps a symlink to every container's log file
	// (a fixed path in the kubelet; the files themselves are under KubeletDir()/pod-logs).
	ContainerLogsDir = "/var/log/containers"
)

// APIServerURL is what every kubeconfig points at.
var APIServerURL = "https://" + BridgeIP + ":6443"

// DefaultDataDir is $WEIR_DATA_DIR, or /var/lib/weir/local.
func DefaultDataDir() string {
	if d := os.Getenv("WEIR_DATA_DIR"); d != "" {
		return d
	}
	return "/var/lib/weir/local"
}

// Layout names every file and directory of one cluster under its data dir.
type Layout struct{ Root string }

func (l Layout) p(parts ...string) string {
	return filepath.Join(append([]string{l.Root}, parts...)...)
}

func (l Layout) PKI(name string) string        { return l.p("pki", name) }
func (l Layout) AdminKubeconfig() string       { return l.p("kubeconfig") }
func (l Layout) Kubeconfig(name string) string { return l.p("conf", name+".kubeconfig") }
func (l Layout) Conf(name string) string       { return l.p("conf", name) }
func (l Layout) EtcdData() string              { return l.p("etcd-data") }
func (l Layout) ContainerdDir() string         { return l.p("containerd") }
func (l Layout) ContainerdSock() string        { return l.p("containerd", "containerd.sock") }
func (l Layout) CNIConfDir() string            { return l.p("cni", "net.d") }
func (l Layout) CNIIPAMDir() string            { return l.p("cni", "ipam") }
func (l Layout) KubeletDir() string            { return l.p("kubelet") }
func (l Layout) FlexVolumeDir() string         { return l.p("flexvolume") }
func (l Layout) KubeCacheDir() string          { return l.p("kube-cache") }
func (l Layout) RunDir() string                { return l.p("run") }
func (l Layout) PIDFile(name string) string    { return l.p("run", name+".pid") }
func (l Layout) HostStateFile() string         { return l.p("run", "host.json") }
func (l Layout) LogFile(name string) string    { return l.p("logs", name+".log") }
func (l Layout) LogDir() string                { return l.p("logs") }

// S3Root is the S3 server's data, one directory per bucket; S3Credentials its key pair
// (mode 0600), outside S3Root so it is never served as an object.
func (l Layout) S3Root() string        { return l.p("s3", "buckets") }
func (l Layout) S3Credentials() string { return l.p("s3", "credentials.env") }

// WithFile lists the opt-in features `up --with` turned on, one a line, so later commands know.
func (l Layout) WithFile() string { return l.p("conf", "with") }

// ObsData is where an observability daemon keeps its data; ScraperToken the metrics
// server's token for the operator's /metrics (mode 0600).
func (l Layout) ObsData(name string) string { return l.p("observability", name) }
func (l Layout) ScraperToken() string       { return l.p("observability", "scraper.token") }

// Dirs are created by `up` before anything starts.
func (l Layout) Dirs() []string {
	return []string{
		l.p("pki"), l.p("conf"), l.EtcdData(), l.ContainerdDir(), l.CNIConfDir(), l.CNIIPAMDir(),
		l.p("kubelet", "root"), l.p("kubelet", "pki"), l.p("kubelet", "volume-plugins"), l.p("kubelet", "pod-logs"),
		l.FlexVolumeDir(), l.KubeCacheDir(), l.RunDir(), l.LogDir(), l.S3Root(),
	}
}
