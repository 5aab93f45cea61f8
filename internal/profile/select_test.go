package profile

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/weirv1alpha1"
)

func TestSelect(t *testing.T) {
	profile := func(name string, n *weirv1alpha1.NamespaceSelection) weirv1alpha1.FlinkProfile {
		return weirv1alpha1.FlinkProfile{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: weirv1alpha1.FlinkProfileSpec{Namespaces: n}}
	}
	env := func(e string) *weirv1alpha1.NamespaceSelection {
		return &weirv1alpha1.NamespaceSelection{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": e}}}
	}
	profiles := []weirv1alpha1.FlinkProfile{
		profile("dev", env("dev")),
		profile("prod", env("prod")),
		profile("batch", nil), // by label only, anywhere
		profile("payments", &weirv1alpha1.NamespaceSelection{Names: []string{"payments"}}),
	}
	ns := func(name, e string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"env": e}}}
	}
	label := func(p string) map[string]string { return map[string]string{weirv1alpha1.ProfileLabel: p} }
	for _, tc := range []struct {
		name     string
		profiles []weirv1alpha1.FlinkProfile
		ns       *corev1.Namespace
		labels   map[string]string
		want     string // profile name, "" for none
		wantErr  string
	}{
		{name: "by namespace label", ns: ns("team-a", "prod"), want: "prod"},
		{name: "by namespace name", ns: ns("payments", ""), want: "payments"},
		{name: "none applies", ns: ns("sandbox", "lab"), want: ""},
		{name: "the app's label wins", ns: ns("team-a", "prod"), labels: label("batch"), want: "batch"},
		{name: "a label naming the namespace's own profile", ns: ns("team-a", "prod"), labels: label("prod"), want: "prod"},
		{name: "a missing profile", ns: ns("team-a", "prod"), labels: label("gold"),
			wantErr: `label weir.dev/profile=gold: FlinkProfile "gold" does not exist`},
		{name: "a profile that does not admit the namespace", ns: ns("team-d", "dev"), labels: label("prod"),
			wantErr: `FlinkProfile "prod" does not admit namespace "team-d"`},
		{name: "two profiles select one namespace",
			profiles: append([]weirv1alpha1.FlinkProfile{profile("prod-eu", env("prod"))}, profiles...),
			ns:       ns("team-a", "prod"),
			wantErr:  `FlinkProfiles prod, prod-eu all select namespace "team-a": label the app weir.dev/profile=<one of them>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := tc.profiles
			if ps == nil {
				ps = profiles
			}
			got, err := Select(ps, tc.ns, tc.labels)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tc.want {
				t.Errorf("selected %q, want %q", name, tc.want)
			}
		})
	}
}
