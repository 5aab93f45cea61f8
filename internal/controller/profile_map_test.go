package controller

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

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
