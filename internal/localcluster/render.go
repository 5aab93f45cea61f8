package localcluster

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ContainerdConfig is containerd 1.6's config: everything under the data dir,
// cgroupfs, Debian's CNI plugins, and restrict_oom_score_adj because root here
// lacks CAP_SYS_RESOURCE (runc cannot set the kubelet's negative scores).
func ContainerdConfig(l Layout) string {
	d := l.ContainerdDir()
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = %q

[plugins."io.containerd.internal.v1.opt"]
  path = %q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = %q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
`, d+"/root", d+"/state", l.ContainerdSock(), d+"/opt", PauseImage, d+"/runc", l.CNIConfDir())
}

// CNIConflist is the bridge network: pods get no default route, only the pod
// and service CIDRs via the bridge.
func CNIConflist(l Layout) (string, error) {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "weir-net",
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": BridgeName, "isGateway": true, "isDefaultGateway": false,
				"ipMasq": false, "hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"dataDir": l.CNIIPAMDir(),
					"ranges":  []any{[]any{map[string]any{"subnet": PodCIDR, "rangeStart": PodRangeStart, "gateway": BridgeIP}}},
					"routes":  []any{map[string]any{"dst": ServiceCIDR, "gw": BridgeIP}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]any{"portMappings": true}},
		},
	}
	b, err := json.MarshalIndent(conf, "", "  ")
	return string(b) + "\n", err
}

// KubeletConfig is the KubeletConfiguration: cgroupfs, oomScoreAdj 0 (no
// CAP_SYS_RESOURCE), no host resolv.conf, lax eviction and image GC on a shared disk.
func KubeletConfig(l Layout) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
tlsCertFile: %s
tlsPrivateKeyFile: %s
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %s}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://%s
cgroupDriver: cgroupfs
failCgroupV1: false
oomScoreAdj: 0
clusterDNS: [%s]
clusterDomain: %s
resolvConf: ""
volumePluginDir: %s
podLogsDir: %s
evictionHard: {memory.available: 100Mi, nodefs.available: 1%%, nodefs.inodesFree: 1%%, imagefs.available: 1%%}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
nodeStatusUpdateFrequency: 4s
`, BridgeIP, KubeletPort, KubeletHealthz, l.PKI("kubelet-serving.crt"), l.PKI("kubelet-serving.key"), l.PKI("ca.crt"),
		l.ContainerdSock(), DNSServiceIP, ClusterDomain, l.KubeletDir()+"/volume-plugins", l.KubeletDir()+"/pod-logs")
}

// KubeProxyConfig runs iptables mode bound to the bridge, leaving host
// conntrack sysctls untouched.
func KubeProxyConfig(l Layout) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: %s}
hostnameOverride: %s
mode: iptables
clusterCIDR: %s
bindAddress: %s
healthzBindAddress: 127.0.0.1:%d
metricsBindAddress: 127.0.0.1:%d
nodePortAddresses: ["%s/32"]
iptables: {localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 1s}
oomScoreAdj: 0
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`, l.Kubeconfig("kube-proxy"), NodeName, PodCIDR, BridgeIP, ProxyHealthPort, ProxyMetrics, BridgeIP)
}

// CrictlConfig points crictl at our containerd.
func CrictlConfig(l Layout) string {
	return fmt.Sprintf("runtime-endpoint: unix://%s\nimage-endpoint: unix://%s\ntimeout: 30\n", l.ContainerdSock(), l.ContainerdSock())
}

// Corefile serves only the cluster domain: workloads cannot reach anything
// off this machine, so other names get NXDOMAIN instead of a forward timeout.
func Corefile() string {
	return strings.TrimLeft(`
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        ttl 30
    }
    cache 30
    loadbalance
    reload
}
.:53 {
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`, "\n")
}
