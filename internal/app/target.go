package app

import (
	"fmt"
	"strings"

	apimeta "k8s.io/apimachinery/pkg/api/meta"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
	"weir.dev/weir/internal/status"
)

// Target is a state `weir app wait --for` can wait for.
type Target string

// Targets a wait understands.
const (
	TargetRunning   Target = "RUNNING"   // the job runs (jobStatus.state)
	TargetStable    Target = "STABLE"    // the lifecycle reached STABLE
	TargetSuspended Target = "SUSPENDED" // the lifecycle reached SUSPENDED
	TargetReady     Target = "READY"     // the JobManager is ready (session clusters)
)

// ParseTarget accepts the names above in any case.
func ParseTarget(s string) (Target, error) {
	t := Target(strings.ToUpper(strings.TrimSpace(s)))
	switch t {
	case TargetRunning, TargetStable, TargetSuspended, TargetReady:
		return t, nil
	}
	return "", fmt.Errorf("unknown state %q: use RUNNING, STABLE, SUSPENDED or READY", s)
}

// Reached says whether d is in state t for its current spec (ReachedApp).
func Reached(d *v1beta1.FlinkDeployment, t Target) bool { return ReachedApp(appOf(d), t) }

// ReachedApp says whether the app is in state t for its current spec. It never looks at a
// status the operator wrote before it saw the latest spec. A session job is READY when its
// session cluster can take it (the SessionClusterReady condition).
func ReachedApp(a App, t Target) bool {
	st := a.Status
	if st.ObservedGeneration < a.Obj.GetGeneration() {
		return false
	}
	switch t {
	case TargetRunning:
		return st.JobStatus.State == jobstate.Running
	case TargetStable:
		return st.LifecycleState == v1beta1.LifecycleStable
	case TargetSuspended:
		// The lifecycle says SUSPENDED once the suspend kept its state (a savepoint-mode
		// suspend: with upgradeSavepointPath); the pods go a moment later.
		return st.LifecycleState == v1beta1.LifecycleSuspended && st.JobStatus.State != jobstate.Running
	case TargetReady:
		if d, ok := a.Obj.(*v1beta1.FlinkDeployment); ok {
			return d.Status.JobManagerDeploymentStatus == v1beta1.JMReady
		}
		return apimeta.IsStatusConditionTrue(a.Conditions, status.ConditionSessionClusterReady)
	}
	return false
}
