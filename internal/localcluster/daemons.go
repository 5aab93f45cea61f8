package localcluster

import (
	"fmt"
	"strconv"

	"weir.dev/weir/internal/obslocal"
	"weir.dev/weir/internal/s3local"
)

// Probe is how a daemon shows it is ready.
type Probe struct {
	URL   string // http(s) URL answering 200 when ready; empty for containerd
	Admin bool   // present the admin client certificate (API server)
}

// Daemon is one long-running process of the cluster.
type Daemon struct {
	Name   string
	Binary string
	Args   []string
	Ports  []string // host:port it listens on, checked before start
	Probe  Probe
	Env    []string // extra environment, e.g. secrets that must not show in the command line
	// Feature names the opt-in feature (`up --with`) the daemon belongs to; empty: always runs.
	Feature string
}

// Binaries maps component names to executables; filled from the build cache
// (and the Debian containerd).
type Binaries map[string]string

func hostPort(host string, port int) string { return host + ":" + strconv.Itoa(port) }

// Daemons returns every daemon in bring-up order.
func Daemons(l Layout, bin Binaries) []Daemon {
	pki := l.PKI
	etcdClient := "http://" + hostPort("127.0.0.1", EtcdClientPort)
	etcdPeer := "http://" + hostPort("127.0.0.1", EtcdPeerPort)
	kcmKube := l.Kubeconfig("controller-manager")
	schedKube := l.Kubeconfig("scheduler")
	return []Daemon{
		{
			Name: "etcd", Binary: bin["etcd"],
			Args: []string{
				"--name", "n", "--data-dir", l.EtcdData(),
				"--listen-client-urls", etcdClient, "--advertise-client-urls", etcdClient,
				"--listen-peer-urls", etcdPeer, "--initial-advertise-peer-urls", etcdPeer,
				"--initial-cluster", "n=" + etcdPeer, "--listen-metrics-urls", "",
				"--quota-backend-bytes", "2147483648", "--log-level", "warn",
			},
			Ports: []string{hostPort("127.0.0.1", EtcdClientPort), hostPort("127.0.0.1", EtcdPeerPort)},
			Probe: Probe{URL: etcdClient + "/health"},
		},
		{
			Name: "containerd", Binary: bin["containerd"],
			Args: []string{"--config", l.Conf("containerd.toml")},
		},
		{
			Name: "kube-apiserver", Binary: bin["kube-apiserver"],
			Args: []string{
				"--advertise-address=" + BridgeIP, "--bind-address=" + BridgeIP, fmt.Sprintf("--secure-port=%d", APIServerPort),
				"--etcd-servers=" + etcdClient, "--service-cluster-ip-range=" + ServiceCIDR,
				"--client-ca-file=" + pki("ca.crt"),
				"--tls-cert-file=" + pki("apiserver.crt"), "--tls-private-key-file=" + pki("apiserver.key"),
				"--kubelet-client-certificate=" + pki("apiserver-kubelet-client.crt"),
				"--kubelet-client-key=" + pki("apiserver-kubelet-client.key"),
				"--kubelet-preferred-address-types=InternalIP",
				"--service-account-issuer=https://kubernetes.default.svc." + ClusterDomain,
				"--service-account-key-file=" + pki("sa.pub"), "--service-account-signing-key-file=" + pki("sa.key"),
				"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
				"--requestheader-client-ca-file=" + pki("front-proxy-ca.crt"),
				"--requestheader-allowed-names=front-proxy-client",
				"--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group",
				"--requestheader-extra-headers-prefix=X-Remote-Extra-",
				"--proxy-client-cert-file=" + pki("front-proxy-client.crt"), "--proxy-client-key-file=" + pki("front-proxy-client.key"),
				"--allow-privileged=true", "--profiling=false",
			},
			Ports: []string{hostPort(BridgeIP, APIServerPort)},
			Probe: Probe{URL: "https://" + hostPort(BridgeIP, APIServerPort) + "/readyz", Admin: true},
		},
		{
			Name: "kube-controller-manager", Binary: bin["kube-controller-manager"],
			Args: []string{
				"--kubeconfig=" + kcmKube, "--authentication-kubeconfig=" + kcmKube, "--authorization-kubeconfig=" + kcmKube,
				"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", KCMPort), "--leader-elect=false",
				"--use-service-account-credentials=true", "--service-account-private-key-file=" + pki("sa.key"),
				"--root-ca-file=" + pki("ca.crt"),
				"--cluster-signing-cert-file=" + pki("ca.crt"), "--cluster-signing-key-file=" + pki("ca.key"),
				"--service-cluster-ip-range=" + ServiceCIDR, "--cluster-cidr=" + PodCIDR, "--allocate-node-cidrs=false",
				"--controllers=*,bootstrapsigner,tokencleaner", "--flex-volume-plugin-dir=" + l.FlexVolumeDir(),
				"--profiling=false",
			},
			Ports: []string{hostPort("127.0.0.1", KCMPort)},
			Probe: Probe{URL: "https://" + hostPort("127.0.0.1", KCMPort) + "/healthz"},
		},
		{
			Name: "kube-scheduler", Binary: bin["kube-scheduler"],
			Args: []string{
				"--kubeconfig=" + schedKube, "--authentication-kubeconfig=" + schedKube, "--authorization-kubeconfig=" + schedKube,
				"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", SchedulerPort), "--leader-elect=false",
			},
			Ports: []string{hostPort("127.0.0.1", SchedulerPort)},
			Probe: Probe{URL: "https://" + hostPort("127.0.0.1", SchedulerPort) + "/healthz"},
		},
		{
			Name: "kubelet", Binary: bin["kubelet"],
			Args: []string{
				"--config=" + l.Conf("kubelet.yaml"), "--kubeconfig=" + l.Kubeconfig("kubelet"),
				"--hostname-override=" + NodeName, "--node-ip=" + BridgeIP,
				"--root-dir=" + l.KubeletDir() + "/root", "--cert-dir=" + l.KubeletDir() + "/pki",
			},
			Ports: []string{hostPort(BridgeIP, KubeletPort), hostPort("127.0.0.1", KubeletHealthz)},
			Probe: Probe{URL: "http://" + hostPort("127.0.0.1", KubeletHealthz) + "/healthz"},
		},
		{
			Name: "kube-proxy", Binary: bin["kube-proxy"],
			Args:  []string{"--config=" + l.Conf("kube-proxy.yaml")},
			Ports: []string{hostPort("127.0.0.1", ProxyHealthPort), hostPort("127.0.0.1", ProxyMetrics)},
			Probe: Probe{URL: "http://" + hostPort("127.0.0.1", ProxyHealthPort) + "/healthz"},
		},
		{
			// The S3 server listens on the bridge, where pods reach it through the s3 Service.
			// Up adds its credentials to Env.
			Name: "s3", Binary: bin["versitygw"],
			Args:  s3local.Args(hostPort(BridgeIP, s3local.Port), l.S3Root()),
			Ports: []string{hostPort(BridgeIP, s3local.Port)},
			Probe: Probe{URL: s3local.Endpoint(BridgeIP) + s3local.HealthPath},
		},
		// Observability (`up --with observability`) listens on loopback only: pods reach none
		// of it; the metrics server reaches pod IPs through the bridge.
		{
			Name: "victoria-logs", Binary: bin["victoria-logs"], Feature: FeatureObservability,
			Args:  obslocal.LogsArgs(hostPort(obslocal.Host, obslocal.LogsPort), l.ObsData("logs")),
			Ports: []string{hostPort(obslocal.Host, obslocal.LogsPort)},
			Probe: Probe{URL: obslocal.LogsURL() + obslocal.HealthPath},
		},
		{
			Name: "victoria-metrics", Binary: bin["victoria-metrics"], Feature: FeatureObservability,
			Args:  obslocal.MetricsArgs(hostPort(obslocal.Host, obslocal.MetricsPort), l.ObsData("metrics"), l.Conf(scrapeConfigFile)),
			Ports: []string{hostPort(obslocal.Host, obslocal.MetricsPort)},
			Probe: Probe{URL: obslocal.MetricsURL() + obslocal.HealthPath},
		},
		{
			Name: "vmalert", Binary: bin["vmalert"], Feature: FeatureObservability,
			Args:  obslocal.AlertArgs(hostPort(obslocal.Host, obslocal.AlertPort), l.Conf(alertRulesFile), obslocal.MetricsURL()),
			Ports: []string{hostPort(obslocal.Host, obslocal.AlertPort)},
			Probe: Probe{URL: obslocal.AlertURL() + obslocal.HealthPath},
		},
		{
			Name: "vlagent", Binary: bin["vlagent"], Feature: FeatureObservability,
			Args:  obslocal.AgentArgs(hostPort(obslocal.Host, obslocal.AgentPort), l.ObsData("vlagent"), ContainerLogsDir, obslocal.LogsURL()),
			Env:   obslocal.AgentEnv(l.Kubeconfig("observability")),
			Ports: []string{hostPort(obslocal.Host, obslocal.AgentPort)},
			Probe: Probe{URL: obslocal.AgentURL() + obslocal.HealthPath},
		},
		ingressDaemon(l, bin),
	}
}

// DaemonByName picks one daemon from a list.
func DaemonByName(ds []Daemon, name string) Daemon {
	for _, d := range ds {
		if d.Name == name {
			return d
		}
	}
	return Daemon{Name: name}
}
