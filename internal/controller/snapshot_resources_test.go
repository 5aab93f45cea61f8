package controller

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"weir.dev/weir/api/v1beta1"
)

func TestSnapshotResourceFor(t *testing.T) {
	t.Parallel()
	sp := func(why v1beta1.SnapshotTriggerType) v1beta1.Savepoint {
		return v1beta1.Savepoint{TimeStamp: 1700000000123, Location: "s3://b/sp-1", TriggerType: why, FormatType: v1beta1.SavepointFormatCanonical}
	}
	for _, tc := range []struct {
		name, app string
		sp        v1beta1.Savepoint
		dispose   bool
		wantName  string // "" means no resource
	}{
		{"upgrade", "app", sp(v1beta1.SnapshotTriggerUpgrade), false, "app-upgrade-1700000000123"},
		{"periodic, disposed on delete", "app", sp(v1beta1.SnapshotTriggerPeriodic), true, "app-periodic-1700000000123"},
		{"manual: the user's own, no resource", "app", sp(v1beta1.SnapshotTriggerManual), false, ""},
		{"long name cut to fit", strings.Repeat("a", 250), sp(v1beta1.SnapshotTriggerUpgrade), false, strings.Repeat("a", 253-len("-upgrade-1700000000123")) + "-upgrade-1700000000123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snapshotResourceFor(v1beta1.JobKindFlinkDeployment, "ns", tc.app, tc.sp, tc.dispose)
			if tc.wantName == "" {
				if s != nil {
					t.Fatalf("want no resource, got %s", s.Name)
				}
				return
			}
			if s.Name != tc.wantName || len(validation.IsDNS1123Subdomain(s.Name)) > 0 {
				t.Errorf("name %q, want %q (a valid object name)", s.Name, tc.wantName)
			}
			sv := s.Spec.Savepoint
			if sv == nil || sv.Path != tc.sp.Location || !sv.AlreadyExists || sv.DisposeOnDelete == nil || *sv.DisposeOnDelete != tc.dispose {
				t.Errorf("savepoint spec %+v", sv)
			}
			if r := s.Spec.JobReference; r == nil || r.Name != tc.app || r.Kind != v1beta1.JobKindFlinkDeployment {
				t.Errorf("jobReference %+v", r)
			}
			if len(s.OwnerReferences) != 0 {
				t.Errorf("owned by %v: the app's deletion would collect it", s.OwnerReferences)
			}
			if got, want := s.Labels["job-reference.name"], tc.app; len(tc.app) <= 63 && got != want || len(tc.app) > 63 && got != "" {
				t.Errorf("job-reference.name label %q for app %q", got, tc.app)
			}
			if s.Labels["snapshot.trigger-type"] != string(tc.sp.TriggerType) || s.Labels["snapshot.type"] != "SAVEPOINT" {
				t.Errorf("labels %v", s.Labels)
			}
		})
	}
}
