package profile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

// A gradual rollout (docs/profiles.md, "Gradual rollout"): the FlinkProfile reconciler is
// the only writer of status.rollout and admits the apps under the profile to its new
// generation, at most spec.rollout.maxConcurrent at a time; an app reconciler holds an app
// on its last reconciled spec until it is admitted. Both decisions are here, pure.

// DefaultMaxConcurrent is how many apps take a new profile generation at once by default.
const DefaultMaxConcurrent = 1

// maxReason bounds the failure reason copied from an app's status.error into the profile.
const maxReason = 300

// Pace is a profile's spec.rollout with its defaults.
type Pace struct {
	MaxConcurrent int           // apps admitted and not yet updated, at most
	Deadline      time.Duration // from admission to STABLE; 0: none
}

// PaceOf reads the profile's spec.rollout: maxConcurrent (default 1), progressDeadline.
func PaceOf(p *weirv1alpha1.FlinkProfile) Pace {
	pace := Pace{MaxConcurrent: DefaultMaxConcurrent}
	if r := p.Spec.Rollout; r != nil {
		if r.MaxConcurrent != nil && *r.MaxConcurrent > 0 {
			pace.MaxConcurrent = int(*r.MaxConcurrent)
		}
		if r.ProgressDeadline != nil && r.ProgressDeadline.Duration > 0 {
			pace.Deadline = r.ProgressDeadline.Duration
		}
	}
	return pace
}

// AppKey names an app in a profile's status.rollout: "<Kind>/<namespace>/<name>".
func AppKey(kind, namespace, name string) string { return kind + "/" + namespace + "/" + name }

// Taken is the profile an app's accepted spec comes from, as its Profile condition says:
// "<name>@<generation>"; ok is false for any other message.
func Taken(message string) (name string, generation int64, ok bool) {
	i := strings.LastIndex(message, "@")
	if i <= 0 {
		return "", 0, false
	}
	g, err := strconv.ParseInt(message[i+1:], 10, 64)
	if err != nil {
		return "", 0, false
	}
	return message[:i], g, true
}

// AppState is what the rollout needs to know of one app under the profile.
type AppState struct {
	Key string
	// Generation is the profile generation of the app's accepted spec (its Profile condition).
	Generation int64
	// Lifecycle is the app's status.lifecycleState; Error its status.error.
	Lifecycle v1beta1.ResourceLifecycleState
	Error     string
	// Invalid says status.error is a validation error: the app's spec under the profile's
	// new generation cannot be accepted (an enforced key it contradicts, …).
	Invalid bool
}

// Rollout computes the profile's status.rollout for generation from the previous one and
// the apps under the profile at time now: which apps are admitted, how many run the
// generation STABLE, and whether one failed. A failure is kept for the generation: only a
// new generation (a fixed profile) starts admitting again.
func Rollout(prev *weirv1alpha1.RolloutStatus, generation int64, pace Pace, apps []AppState, now time.Time) weirv1alpha1.RolloutStatus {
	out := weirv1alpha1.RolloutStatus{Generation: generation, Total: int32(len(apps))} //nolint:gosec // a count of apps
	admitted := map[string]metav1.Time{}
	if prev != nil && prev.Generation == generation {
		for _, a := range prev.Admitted {
			admitted[a.App] = a.At
		}
		out.FailedApp, out.FailureReason = prev.FailedApp, prev.FailureReason
	}
	apps = slices.Clone(apps)
	slices.SortFunc(apps, func(a, b AppState) int { return strings.Compare(a.Key, b.Key) })

	var pending []string
	busy := 0
	for _, a := range apps {
		took := a.Generation == generation
		switch {
		case took && (a.Lifecycle == v1beta1.LifecycleStable || a.Lifecycle == v1beta1.LifecycleSuspended):
			out.Updated++
		case took || isAdmitted(admitted, a.Key):
			why := failure(a, took)
			if at, ok := admitted[a.Key]; ok && why == "" && pace.Deadline > 0 && now.Sub(at.Time) >= pace.Deadline {
				why = fmt.Sprintf("not STABLE on the generation within %s of its admission (lifecycleState %s)", pace.Deadline, a.Lifecycle)
			}
			if why != "" {
				if out.FailedApp == "" {
					out.FailedApp, out.FailureReason = a.Key, why
				}
				continue
			}
			busy++
			out.InProgress = append(out.InProgress, a.Key)
		default:
			pending = append(pending, a.Key)
		}
	}
	if out.FailedApp == "" {
		for _, k := range pending {
			if busy >= pace.MaxConcurrent {
				break
			}
			admitted[k] = metav1.NewTime(now)
			out.InProgress = append(out.InProgress, k)
			busy++
		}
		slices.Sort(out.InProgress)
	}
	for _, a := range apps { // only apps still under the profile stay admitted
		if at, ok := admitted[a.Key]; ok {
			out.Admitted = append(out.Admitted, weirv1alpha1.AdmittedApp{App: a.Key, At: at})
		}
	}
	out.Phase = weirv1alpha1.RolloutProgressing
	switch {
	case out.FailedApp != "":
		out.Phase = weirv1alpha1.RolloutFailed
	case out.Updated == out.Total:
		out.Phase = weirv1alpha1.RolloutComplete
	}
	out.Message = fmt.Sprintf("%d/%d updated", out.Updated, out.Total)
	if n := len(out.InProgress); n > 0 {
		out.Message += fmt.Sprintf(", %d in progress", n)
	}
	if out.FailedApp != "" {
		out.Message += fmt.Sprintf("; stopped: %s failed", out.FailedApp)
	}
	return out
}

func isAdmitted(admitted map[string]metav1.Time, key string) bool {
	_, ok := admitted[key]
	return ok
}

// NextCheck is how soon the rollout ro must be looked at again for its progress deadline
// (the first admitted app in progress to reach it), at time now; 0: no deadline pending.
func NextCheck(ro *weirv1alpha1.RolloutStatus, pace Pace, now time.Time) time.Duration {
	if ro == nil || pace.Deadline <= 0 || ro.Phase != weirv1alpha1.RolloutProgressing {
		return 0
	}
	var next time.Duration
	for _, a := range ro.Admitted {
		if !slices.Contains(ro.InProgress, a.App) {
			continue
		}
		d := max(a.At.Add(pace.Deadline).Sub(now), time.Second) // At has whole seconds
		if next == 0 || d < next {
			next = d
		}
	}
	return next
}

// failure says why an admitted app failed on the generation ("" while it has not): it
// took the generation and its job failed or was rolled back, or it cannot take it.
func failure(a AppState, took bool) string {
	if !took {
		switch {
		case a.Invalid:
			return "cannot take the generation: " + clip(a.Error)
		case a.Lifecycle == v1beta1.LifecycleRollingBack || a.Lifecycle == v1beta1.LifecycleRolledBack:
			// A rolled-back app does not try a new spec until its own spec changes.
			return "lifecycleState " + string(a.Lifecycle) + " before taking the generation: change the app's spec"
		}
		return ""
	}
	switch a.Lifecycle {
	case v1beta1.LifecycleFailed, v1beta1.LifecycleRollingBack, v1beta1.LifecycleRolledBack:
		why := "lifecycleState " + string(a.Lifecycle)
		if a.Error != "" {
			why += ": " + clip(a.Error)
		}
		return why
	}
	return ""
}

// clip cuts s to about maxReason bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= maxReason {
		return s
	}
	n := maxReason
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Hold says whether an app must keep running its last reconciled spec instead of the one
// profile p would give it now, and why (for the app's status). It holds only an app whose
// own spec is the one last reconciled (ownChanged false) and that last took an older
// generation of p, while p's rollout has not admitted it; an app whose own spec changed
// takes the current profile at once, as does one new to the profile.
func Hold(p *weirv1alpha1.FlinkProfile, key, takenMessage string, ownChanged bool) (bool, string) {
	if p == nil || ownChanged {
		return false, ""
	}
	name, gen, ok := Taken(takenMessage)
	if !ok || name != p.Name || gen >= p.Generation {
		return false, ""
	}
	ro := p.Status.Rollout
	if ro != nil && ro.Generation == p.Generation &&
		slices.ContainsFunc(ro.Admitted, func(a weirv1alpha1.AdmittedApp) bool { return a.App == key }) {
		return false, ""
	}
	// The message names only what WakesAllApps watches, so it is never stale; the
	// rollout's progress is in the profile's status.rollout.
	msg := fmt.Sprintf("waiting for the rollout of FlinkProfile %s generation %d; running generation %d (progress: the profile's status.rollout)",
		p.Name, p.Generation, gen)
	if ro != nil && ro.Generation == p.Generation && ro.Phase == weirv1alpha1.RolloutFailed {
		msg += fmt.Sprintf("; the rollout stopped: %s failed (fix the profile: its next generation resumes the rollout)", ro.FailedApp)
	}
	return true, msg
}

// WakesAllApps says whether a FlinkProfile's change from old to new can change what any app
// under it runs or says: its spec (a new generation), or its rollout's generation or
// phase, which a held app's condition names (Hold). Otherwise only the apps whose admission
// changed need a look (AdmissionChanges): the rollout's counts move with every app's step,
// and waking every app on each would make a fleet's rollout quadratic.
func WakesAllApps(before, after *weirv1alpha1.FlinkProfile) bool {
	if before.Generation != after.Generation {
		return true
	}
	o, n := before.Status.Rollout, after.Status.Rollout
	if o == nil || n == nil {
		return o != n
	}
	return o.Generation != n.Generation || o.Phase != n.Phase || o.FailedApp != n.FailedApp
}

// AdmissionChanges lists the apps (AppKey) admitted in one rollout status and not in the
// other.
func AdmissionChanges(before, after *weirv1alpha1.RolloutStatus) []string {
	keys := func(ro *weirv1alpha1.RolloutStatus) map[string]bool {
		m := map[string]bool{}
		if ro != nil {
			for _, a := range ro.Admitted {
				m[a.App] = true
			}
		}
		return m
	}
	o, n := keys(before), keys(after)
	var out []string
	for k := range n {
		if !o[k] {
			out = append(out, k)
		}
	}
	for k := range o {
		if !n[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
