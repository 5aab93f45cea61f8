// Package localcluster brings a real single-node Kubernetes (etcd, containerd, control plane, kubelet, kube-proxy, CoreDNS) up and down on this machine.
package localcluster
