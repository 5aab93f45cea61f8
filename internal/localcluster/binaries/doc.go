// Package binaries builds the local cluster's pinned binaries (etcd, Kubernetes, CoreDNS, crictl) from the Go module proxy into the weir cache.
package binaries
