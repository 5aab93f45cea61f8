package localcluster

import (
	"context"
	"fmt"
	"net"
	"slices"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ComponentStatus is one row of `weir local status`.
type ComponentStatus struct {
	Name  string
	PID   int
	State string // running, stopped, not ready: …
}

// Status reports every daemon's process and readiness, then node and DNS.
func Status(ctx context.Context, o Options) ([]ComponentStatus, error) {
	l := o.layout()
	var out []ComponentStatus
	_, berr := net.InterfaceByName(BridgeName)
	bridge := ComponentStatus{Name: "bridge " + BridgeName, State: "present"}
	if berr != nil {
		bridge.State = "absent"
	}
	out = append(out, bridge)
	with, err := loadWith(l)
	if err != nil {
		return out, err
	}
	for _, d := range Daemons(l, o.binaryPaths()) {
		s := ComponentStatus{Name: d.Name}
		pid, running := pidState(l, d)
		if d.Feature != "" && !running && !slices.Contains(with, d.Feature) {
			continue // an opt-in feature this data dir never turned on
		}
		switch {
		case !running:
			s.State = "stopped"
		default:
			s.PID = pid
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			if err := probeOnce(pctx, l, d); err != nil {
				s.State = "running, not ready: " + err.Error()
			} else {
				s.State = "ready"
			}
			cancel()
		}
		out = append(out, s)
	}
	for _, r := range out {
		if r.Name == "kube-apiserver" && r.State != "ready" {
			return out, nil
		}
	}
	cs, err := AdminClient(l)
	if err != nil {
		return out, err
	}
	node := ComponentStatus{Name: "node " + NodeName, State: "not registered"}
	if n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{}); err == nil {
		node.State = "NotReady"
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				node.State = "Ready"
			}
		}
	}
	dns := ComponentStatus{Name: "coredns", State: "not deployed"}
	if d, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{}); err == nil {
		dns.State = fmt.Sprintf("%d/%d ready", d.Status.ReadyReplicas, *d.Spec.Replicas)
	}
	return append(out, node, dns), nil
}

// PrintStatus renders Status as a table.
func PrintStatus(ctx context.Context, o Options) error {
	rows, err := Status(ctx, o)
	tw := tabwriter.NewWriter(o.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tPID\tSTATE")
	for _, r := range rows {
		pid := "-"
		if r.PID > 0 {
			pid = fmt.Sprint(r.PID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, pid, r.State)
	}
	tw.Flush()
	return err
}
