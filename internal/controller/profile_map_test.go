package controller

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

// A profile change wakes the apps whose label names it and the unlabelled ones (namespace
// selection may pick them), not the apps labelled with another profile.
func TestAppsOfProfile(t *testing.T) {
	t.Parallel()
	app := func(ns, name, profile string) *v1beta1.FlinkDeployment {
		d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		if profile != "" {
			d.Labels = map[string]string{weirv1alpha1.ProfileLabel: profile}
		}
		return d
	}
	sch := runtime.NewScheme()
	if err := v1beta1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(sch).WithObjects(
		app("a", "named", "prod"), app("a", "other", "dev"), app("b", "unlabelled", "")).Build()
	reqs := appsOfProfile(c, func() client.ObjectList { return &v1beta1.FlinkDeploymentList{} })(
		context.Background(), &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod"}})
	var got []string
	for _, r := range reqs {
		got = append(got, r.String())
	}
	slices.Sort(got)
	if want := []string{"a/named", "b/unlabelled"}; !slices.Equal(got, want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

// A profile's status write that moves only its rollout's counts wakes no app; one that
// admits an app wakes that app alone, in its own kind's reconciler; a new generation
// wakes them all.
func TestProfileEventsWakeOnlyTheAppsAChangeConcerns(t *testing.T) {
	t.Parallel()
	sch := runtime.NewScheme()
	if err := v1beta1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	dep := func(name string) *v1beta1.FlinkDeployment {
		return &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	}
	c := fake.NewClientBuilder().WithScheme(sch).WithObjects(dep("a"), dep("b"), dep("c")).Build()
	h := profileEvents(c, kindDeployment, func() client.ObjectList { return &v1beta1.FlinkDeploymentList{} })

	p := &weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: "prod", Generation: 2}}
	p.Status.Rollout = &weirv1alpha1.RolloutStatus{Generation: 2, Phase: weirv1alpha1.RolloutProgressing,
		Admitted: []weirv1alpha1.AdmittedApp{{App: "FlinkDeployment/ns/a"}}, Message: "0/3 updated, 1 in progress"}
	update := func(f func(q *weirv1alpha1.FlinkProfile)) []string {
		after := p.DeepCopy()
		f(after)
		q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
		defer q.ShutDown()
		h.Update(context.Background(), event.UpdateEvent{ObjectOld: p, ObjectNew: after}, q)
		var got []string
		for q.Len() > 0 {
			r, _ := q.Get()
			got = append(got, r.String())
			q.Done(r)
		}
		slices.Sort(got)
		return got
	}
	if got := update(func(q *weirv1alpha1.FlinkProfile) {
		q.Status.Rollout.Updated, q.Status.Rollout.Message = 1, "1/3 updated"
	}); len(got) != 0 {
		t.Errorf("counts only: woke %v", got)
	}
	if got := update(func(q *weirv1alpha1.FlinkProfile) {
		q.Status.Rollout.Admitted = append(q.Status.Rollout.Admitted,
			weirv1alpha1.AdmittedApp{App: "FlinkDeployment/ns/b"}, weirv1alpha1.AdmittedApp{App: "FlinkSessionJob/ns/c"})
	}); !slices.Equal(got, []string{"ns/b"}) {
		t.Errorf("b (a FlinkDeployment) and session job c admitted: woke %v, want [ns/b]", got)
	}
	if got := update(func(q *weirv1alpha1.FlinkProfile) { q.Generation = 3 }); !slices.Equal(got, []string{"ns/a", "ns/b", "ns/c"}) {
		t.Errorf("new generation: woke %v, want all three", got)
	}
}
