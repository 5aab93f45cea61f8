package profile

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

// at0 is when the apps of a previous status were admitted; now, when Rollout runs.
var (
	at0 = metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	now = at0.Add(10 * time.Minute)
)

func admAt(at time.Time, keys ...string) []weirv1alpha1.AdmittedApp {
	var out []weirv1alpha1.AdmittedApp
	for _, k := range keys {
		out = append(out, weirv1alpha1.AdmittedApp{App: k, At: metav1.NewTime(at)})
	}
	return out
}
func adm(keys ...string) []weirv1alpha1.AdmittedApp    { return admAt(at0.Time, keys...) }
func admNow(keys ...string) []weirv1alpha1.AdmittedApp { return admAt(now, keys...) }

func TestRollout(t *testing.T) {
	const gen = 3
	stable := func(k string, g int64) AppState {
		return AppState{Key: k, Generation: g, Lifecycle: v1beta1.LifecycleStable}
	}
	state := func(k string, g int64, l v1beta1.ResourceLifecycleState) AppState {
		return AppState{Key: k, Generation: g, Lifecycle: l}
	}
	for _, tc := range []struct {
		name  string
		prev  *weirv1alpha1.RolloutStatus
		max   int
		limit time.Duration // progress deadline
		apps  []AppState
		want  weirv1alpha1.RolloutStatus
	}{{
		name: "a new generation admits the first app only",
		prev: &weirv1alpha1.RolloutStatus{Generation: 2, Admitted: adm("a", "b", "c"), Phase: weirv1alpha1.RolloutComplete},
		max:  1,
		apps: []AppState{stable("c", 2), stable("a", 2), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 3,
			Admitted: admNow("a"), InProgress: []string{"a"}, Message: "0/3 updated, 1 in progress"},
	}, {
		name: "an admitted app still upgrading keeps the only slot",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{state("a", gen, v1beta1.LifecycleUpgrading), stable("b", 2), stable("c", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 3,
			Admitted: adm("a"), InProgress: []string{"a"}, Message: "0/3 updated, 1 in progress"},
	}, {
		name: "an admitted app that has not taken the generation yet keeps its slot",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{stable("a", 2), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 2,
			Admitted: adm("a"), InProgress: []string{"a"}, Message: "0/2 updated, 1 in progress"},
	}, {
		name: "a STABLE app frees its slot for the next",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{stable("a", gen), stable("b", 2), stable("c", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 3, Updated: 1,
			Admitted: append(adm("a"), admNow("b")...), InProgress: []string{"b"}, Message: "1/3 updated, 1 in progress"},
	}, {
		name: "two at once; an app that took the generation on its own counts against the limit",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen},
		max:  2,
		apps: []AppState{state("x", gen, v1beta1.LifecycleDeployed), stable("a", 2), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 3,
			Admitted: admNow("a"), InProgress: []string{"a", "x"}, Message: "0/3 updated, 2 in progress"},
	}, {
		name: "all STABLE on the generation: complete",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a", "b")},
		max:  1,
		apps: []AppState{stable("a", gen), state("b", gen, v1beta1.LifecycleSuspended)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutComplete, Total: 2, Updated: 2,
			Admitted: adm("a", "b"), Message: "2/2 updated"},
	}, {
		name: "a FAILED job on the generation stops the rollout",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{{Key: "a", Generation: gen, Lifecycle: v1beta1.LifecycleFailed, Error: "boom"}, stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutFailed, Total: 2,
			Admitted: adm("a"), FailedApp: "a", FailureReason: "lifecycleState FAILED: boom",
			Message: "0/2 updated; stopped: a failed"},
	}, {
		name: "a rollback stops it too",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  3,
		apps: []AppState{state("a", gen, v1beta1.LifecycleRolledBack), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutFailed, Total: 2,
			Admitted: adm("a"), FailedApp: "a", FailureReason: "lifecycleState ROLLED_BACK",
			Message: "0/2 updated; stopped: a failed"},
	}, {
		name: "an admitted app that cannot take the generation stops it",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{{Key: "a", Generation: 2, Lifecycle: v1beta1.LifecycleStable, Error: "enforced", Invalid: true}, stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutFailed, Total: 2,
			Admitted: adm("a"), FailedApp: "a", FailureReason: "cannot take the generation: enforced",
			Message: "0/2 updated; stopped: a failed"},
	}, {
		name: "an admitted app rolled back before (it holds its last spec) stops it",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{state("a", 2, v1beta1.LifecycleRolledBack), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutFailed, Total: 2,
			Admitted: adm("a"), FailedApp: "a",
			FailureReason: "lifecycleState ROLLED_BACK before taking the generation: change the app's spec",
			Message:       "0/2 updated; stopped: a failed"},
	}, {
		name: "a FAILED app not yet admitted waits its turn; admitted, it may take the generation",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:  1,
		apps: []AppState{state("a", 2, v1beta1.LifecycleFailed), state("b", 2, v1beta1.LifecycleFailed)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 2,
			Admitted: adm("a"), InProgress: []string{"a"}, Message: "0/2 updated, 1 in progress"},
	}, {
		name: "a failure stays for the generation, even once the app recovers",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a"), FailedApp: "a", FailureReason: "lifecycleState FAILED"},
		max:  1,
		apps: []AppState{stable("a", gen), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutFailed, Total: 2, Updated: 1,
			Admitted: adm("a"), FailedApp: "a", FailureReason: "lifecycleState FAILED",
			Message: "1/2 updated; stopped: a failed"},
	}, {
		name: "a new generation after a failure starts again",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen - 1, Admitted: adm("a"), FailedApp: "a", FailureReason: "lifecycleState FAILED"},
		max:  1,
		apps: []AppState{state("a", gen-1, v1beta1.LifecycleFailed), stable("b", 1)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 2,
			Admitted: admNow("a"), InProgress: []string{"a"}, Message: "0/2 updated, 1 in progress"},
	}, {
		name: "an app that left the profile is no longer admitted",
		prev: &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("gone", "a")},
		max:  1,
		apps: []AppState{stable("a", gen)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutComplete, Total: 1, Updated: 1,
			Admitted: adm("a"), Message: "1/1 updated"},
	}, {
		name:  "an admitted app not STABLE within the progress deadline stops it",
		prev:  &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:   1,
		limit: 10 * time.Minute,
		apps:  []AppState{state("a", gen, v1beta1.LifecycleDeployed), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutFailed, Total: 2,
			Admitted: adm("a"), FailedApp: "a",
			FailureReason: "not STABLE on the generation within 10m0s of its admission (lifecycleState DEPLOYED)",
			Message:       "0/2 updated; stopped: a failed"},
	}, {
		name:  "within the deadline it keeps going",
		prev:  &weirv1alpha1.RolloutStatus{Generation: gen, Admitted: adm("a")},
		max:   1,
		limit: 11 * time.Minute,
		apps:  []AppState{state("a", gen, v1beta1.LifecycleDeployed), stable("b", 2)},
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutProgressing, Total: 2,
			Admitted: adm("a"), InProgress: []string{"a"}, Message: "0/2 updated, 1 in progress"},
	}, {
		name: "no apps: complete",
		max:  1,
		want: weirv1alpha1.RolloutStatus{Generation: gen, Phase: weirv1alpha1.RolloutComplete, Message: "0/0 updated"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Rollout(tc.prev, gen, Pace{MaxConcurrent: tc.max, Deadline: tc.limit}, tc.apps, now); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Rollout:\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestHold(t *testing.T) {
	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod", Generation: 5}}
	withRollout := func(gen int64, phase string, admitted ...string) *weirv1alpha1.FlinkProfile {
		q := p.DeepCopy()
		q.Status.Rollout = &weirv1alpha1.RolloutStatus{Generation: gen, Phase: phase, Admitted: adm(admitted...), Message: "1/3 updated"}
		if phase == weirv1alpha1.RolloutFailed {
			q.Status.Rollout.FailedApp = "FlinkDeployment/ns/x"
		}
		return q
	}
	for _, tc := range []struct {
		name       string
		p          *weirv1alpha1.FlinkProfile
		taken      string
		ownChanged bool
		hold       bool
		msg        string
	}{
		{name: "no profile", taken: "prod@4"},
		{name: "the app's own spec changed: take the current profile", p: p, taken: "prod@4", ownChanged: true},
		{name: "new to the profile", p: p, taken: ""},
		{name: "came from another profile", p: p, taken: "dev@9"},
		{name: "already on the generation", p: p, taken: "prod@5"},
		{name: "rollout not started for the generation", p: withRollout(4, weirv1alpha1.RolloutComplete, "FlinkDeployment/ns/a"),
			taken: "prod@4", hold: true, msg: "waiting for the rollout of FlinkProfile prod generation 5; running generation 4"},
		{name: "not admitted", p: withRollout(5, weirv1alpha1.RolloutProgressing, "FlinkDeployment/ns/b"),
			taken: "prod@4", hold: true, msg: "running generation 4 (progress: the profile's status.rollout)"},
		{name: "stopped by a failure", p: withRollout(5, weirv1alpha1.RolloutFailed, "FlinkDeployment/ns/b"),
			taken: "prod@4", hold: true, msg: "the rollout stopped: FlinkDeployment/ns/x failed (fix the profile: its next generation resumes the rollout)"},
		{name: "admitted", p: withRollout(5, weirv1alpha1.RolloutProgressing, "FlinkDeployment/ns/a"), taken: "prod@4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hold, msg := Hold(tc.p, AppKey("FlinkDeployment", "ns", "a"), tc.taken, tc.ownChanged)
			if hold != tc.hold || !strings.Contains(msg, tc.msg) {
				t.Errorf("Hold = %v, %q; want %v, containing %q", hold, msg, tc.hold, tc.msg)
			}
		})
	}
}

func TestNextCheck(t *testing.T) {
	ro := &weirv1alpha1.RolloutStatus{Phase: weirv1alpha1.RolloutProgressing,
		Admitted:   append(adm("done"), append(admAt(at0.Add(5*time.Minute), "b"), admAt(at0.Add(2*time.Minute), "a")...)...),
		InProgress: []string{"a", "b", "x"}}
	for _, tc := range []struct {
		name string
		ro   *weirv1alpha1.RolloutStatus
		pace Pace
		want time.Duration
	}{
		{name: "no deadline", ro: ro, pace: Pace{MaxConcurrent: 1}},
		{name: "the first admitted app in progress to reach it", ro: ro, pace: Pace{Deadline: 10 * time.Minute}, want: 2 * time.Minute},
		{name: "already past: soon", ro: ro, pace: Pace{Deadline: time.Minute}, want: time.Second},
		{name: "stopped", ro: &weirv1alpha1.RolloutStatus{Phase: weirv1alpha1.RolloutFailed, Admitted: adm("a"), InProgress: []string{"a"}},
			pace: Pace{Deadline: time.Hour}},
		{name: "no status", pace: Pace{Deadline: time.Hour}},
	} {
		if got := NextCheck(tc.ro, tc.pace, now); got != tc.want {
			t.Errorf("%s: NextCheck = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestPaceOf(t *testing.T) {
	p := &weirv1alpha1.FlinkProfile{}
	if got := PaceOf(p); got != (Pace{MaxConcurrent: 1}) {
		t.Errorf("PaceOf(no rollout) = %+v", got)
	}
	three := int32(3)
	p.Spec.Rollout = &weirv1alpha1.RolloutPolicy{MaxConcurrent: &three, ProgressDeadline: &metav1.Duration{Duration: time.Minute}}
	if got := PaceOf(p); got != (Pace{MaxConcurrent: 3, Deadline: time.Minute}) {
		t.Errorf("PaceOf = %+v", got)
	}
}

func TestTaken(t *testing.T) {
	for in, want := range map[string]struct {
		name string
		gen  int64
		ok   bool
	}{"prod@4": {"prod", 4, true}, "a@b@12": {"a@b", 12, true}, "prod": {}, "@4": {}, "prod@x": {}} {
		name, gen, ok := Taken(in)
		if name != want.name || gen != want.gen || ok != want.ok {
			t.Errorf("Taken(%q) = %q, %d, %v; want %+v", in, name, gen, ok, want)
		}
	}
}

func TestClip(t *testing.T) {
	long := "x" + strings.Repeat("é", maxReason) // two bytes each: byte maxReason is inside one
	got := clip(long)
	if !utf8.ValidString(got) || !strings.HasSuffix(got, "…") || len(got) > maxReason+len("…") {
		t.Errorf("clip cut %d bytes into %q", len(long), got)
	}
	if clip("short") != "short" {
		t.Error("clip changed a short reason")
	}
}

// Which profile changes wake every app under it, and which only the apps whose admission
// changed.
func TestWakesAllAppsAndAdmissionChanges(t *testing.T) {
	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod", Generation: 5}}
	p.Status.Rollout = &weirv1alpha1.RolloutStatus{Generation: 5, Phase: weirv1alpha1.RolloutProgressing,
		Admitted: []weirv1alpha1.AdmittedApp{{App: "FlinkDeployment/ns/a"}}, InProgress: []string{"FlinkDeployment/ns/a"}, Message: "0/3 updated, 1 in progress"}
	with := func(f func(q *weirv1alpha1.FlinkProfile)) *weirv1alpha1.FlinkProfile {
		q := p.DeepCopy()
		f(q)
		return q
	}
	for _, tc := range []struct {
		name     string
		after    *weirv1alpha1.FlinkProfile
		all      bool
		admitted []string
	}{
		{name: "new generation", after: with(func(q *weirv1alpha1.FlinkProfile) { q.Generation = 6 }), all: true},
		{name: "rollout of a new generation", after: with(func(q *weirv1alpha1.FlinkProfile) { q.Status.Rollout.Generation = 6 }), all: true},
		{name: "phase", after: with(func(q *weirv1alpha1.FlinkProfile) {
			q.Status.Rollout.Phase, q.Status.Rollout.FailedApp = weirv1alpha1.RolloutFailed, "FlinkDeployment/ns/a"
		}), all: true},
		{name: "first rollout status", after: with(func(q *weirv1alpha1.FlinkProfile) {}), all: true},
		{name: "counts only", after: with(func(q *weirv1alpha1.FlinkProfile) {
			q.Status.Rollout.InProgress, q.Status.Rollout.Updated, q.Status.Rollout.Message = nil, 1, "1/3 updated"
		})},
		{name: "an app admitted", after: with(func(q *weirv1alpha1.FlinkProfile) {
			q.Status.Rollout.Admitted = append(q.Status.Rollout.Admitted, weirv1alpha1.AdmittedApp{App: "FlinkSessionJob/ns/b"})
		}), admitted: []string{"FlinkSessionJob/ns/b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p
			if tc.name == "first rollout status" {
				before = with(func(q *weirv1alpha1.FlinkProfile) { q.Status.Rollout = nil })
			}
			if got := WakesAllApps(before, tc.after); got != tc.all {
				t.Errorf("WakesAllApps = %v, want %v", got, tc.all)
			}
			if got := AdmissionChanges(before.Status.Rollout, tc.after.Status.Rollout); !tc.all && !slices.Equal(got, tc.admitted) {
				t.Errorf("AdmissionChanges = %v, want %v", got, tc.admitted)
			}
		})
	}
	if got := AdmissionChanges(p.Status.Rollout, nil); !slices.Equal(got, []string{"FlinkDeployment/ns/a"}) {
		t.Errorf("AdmissionChanges to none = %v", got)
	}
}
