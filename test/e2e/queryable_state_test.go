package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/audit"
	"weir.dev/weir/internal/resources"
)

// queryableTraits is the name the audiences job serves each user's traits under.
const queryableTraits = "traits"

// queryableState reads users' traits from the running job with Flink's own
// QueryableStateClient (the job's QueryTraits, on the host), through the ClusterIP of the
// Service weir made for the TaskManagers' proxy, and audits them: each must be exactly the
// reference traits after that user's first `count` events. The job runs on RocksDB by now,
// whose reads see only whole updates.
func (l *lifecycleRun) queryableState() {
	svc := &corev1.Service{}
	name := resources.Names(l.key.Name).QueryableStateService
	if err := l.c.Ctrl.Get(l.ctx, types.NamespacedName{Namespace: l.key.Namespace, Name: name}, svc); err != nil {
		l.t.Fatalf("the queryable-state Service: %v", err)
	}
	if svc.Spec.ClusterIP == "" || len(svc.Spec.Ports) != 1 {
		l.t.Fatalf("Service %s: clusterIP %q, ports %v", name, svc.Spec.ClusterIP, svc.Spec.Ports)
	}
	port := svc.Spec.Ports[0].Port
	var users []string
	seen := map[string]bool{}
	for seq := int64(0); len(users) < 8; seq++ {
		if u := audit.Generate(l.job.gen, seq).UserID; !seen[u] {
			seen[u] = true
			users = append(users, u)
		}
	}
	var state []audit.Snapshot
	l.eventually("every user's traits read through "+name, func() error {
		job := l.onlyJob()
		var err error
		state, err = l.job.queryTraits(svc.Spec.ClusterIP, port, job.ID, users)
		return err
	})
	rep := audit.CheckState(l.job.gen, l.job.rules, state)
	var b bytes.Buffer
	rep.Write(&b)
	if !rep.OK() || rep.Users != len(users) {
		l.t.Fatalf("queryable state of %d users (%d read) differs from the reference:\n%s", len(users), rep.Users, b.String())
	}
	l.t.Logf("queryable state through %s (%s:%d): %d users' traits, %d events, equal to the reference", name, svc.Spec.ClusterIP, port, rep.Users, rep.EventsCounted)
}

// queryTraits runs QueryTraits against the proxy at host:port. A user the job has not seen
// yet, or a failed query, is an error (the caller retries).
func (j *audiencesJob) queryTraits(host string, port int32, jobID string, users []string) ([]audit.Snapshot, error) {
	cp, err := os.ReadFile(filepath.Join(filepath.Dir(j.jar), "classpath.txt"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("java", "-cp", j.jar+":"+strings.TrimSpace(string(cp)), "dev.weir.audiences.QueryTraits",
		"--host", host, "--port", fmt.Sprint(port), "--job", jobID, "--name", queryableTraits, "--users", strings.Join(users, ","))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("QueryTraits: %w\n%s", err, tail(stderr.String(), 2000))
	}
	var out []audit.Snapshot
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var s struct {
			audit.Snapshot
			Missing bool `json:"missing"`
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			return nil, fmt.Errorf("QueryTraits printed %q: %w", line, err)
		}
		if s.Missing {
			return nil, fmt.Errorf("no traits yet for %s", s.UserID)
		}
		out = append(out, s.Snapshot)
	}
	if len(out) != len(users) {
		return nil, fmt.Errorf("QueryTraits printed %d users' traits, want %d", len(out), len(users))
	}
	return out, nil
}

// tail is the last n bytes of s (a JVM's stack traces are long).
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
