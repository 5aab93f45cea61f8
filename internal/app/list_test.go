package app

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

func TestWriteListFitsAndColours(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ckpt, three := now.Add(-90*time.Second), int64(3)
	rows := []Row{
		{Namespace: "a-very-long-namespace-name", Name: "an-application-with-a-very-long-name", Kind: KindDeployment,
			Lifecycle: "ROLLING_BACK", JobState: "RECONCILING", LastCheckpoint: &ckpt, Restarts: &three, Profile: "production-gold",
			Error: strings.Repeat("x", 300) + "\n\tat Stack.trace"},
		{Namespace: "b", Name: "ok", Kind: KindSessionJob, Lifecycle: "STABLE", JobState: "RUNNING"},
	}
	var b bytes.Buffer
	if err := WriteList(&b, rows, now, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header, row, error line, row:\n%s", b.String())
	}
	for _, l := range lines {
		if len(l) > TableWidth {
			t.Errorf("%d columns: %q", len(l), l)
		}
	}
	if f := strings.Fields(lines[1]); f[2] != "FD" || f[5] != "1m" || f[6] != "3" || !strings.HasSuffix(f[1], "~") {
		t.Errorf("row = %q", lines[1])
	}
	if !strings.HasPrefix(lines[2], "  error: xxx") || strings.Contains(b.String(), "Stack") {
		t.Errorf("error line = %q", lines[2])
	}
	if f := strings.Fields(lines[3]); strings.Join(f, " ") != "b ok FSJ STABLE RUNNING - - -" {
		t.Errorf("row without checkpoint, restarts or profile = %q", lines[3])
	}
	b.Reset()
	if err := WriteList(&b, rows, now, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), red) || strings.Count(b.String(), "\x1b[") != 2 {
		t.Errorf("only the failing row is coloured:\n%q", b.String())
	}
}

func TestRowOfReadsProfileAndRestarts(t *testing.T) {
	d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "n", Name: "x"}}
	d.Status.Conditions = []metav1.Condition{{Type: "Profile", Message: "prod@7"}}
	d.Status.ClusterInfo = map[string]string{"weir.dev/health-samples": `[{"NumRestarts":1},{"NumRestarts":6}]`}
	r := RowOf(appOf(d))
	if r.Profile != "prod" || r.Restarts == nil || *r.Restarts != 6 || r.Kind != KindDeployment {
		t.Errorf("RowOf = %+v", r)
	}
	if r := RowOf(appOf(&v1beta1.FlinkSessionJob{})); r.Profile != "" || r.Restarts != nil || r.Kind != KindSessionJob {
		t.Errorf("RowOf(empty session job) = %+v", r)
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{-time.Second: "0s", 59 * time.Second: "59s", 61 * time.Minute: "1h", 47 * time.Hour: "47h", 72 * time.Hour: "3d"} {
		if got := Age(d); got != want {
			t.Errorf("Age(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestManagedByGitOps(t *testing.T) {
	for _, tc := range []struct {
		meta metav1.ObjectMeta
		want string
	}{
		{metav1.ObjectMeta{}, ""},
		{metav1.ObjectMeta{Annotations: map[string]string{"argocd.argoproj.io/tracking-id": "app:g/K:ns/n"}}, "annotation argocd.argoproj.io/tracking-id=app:g/K:ns/n"},
		{metav1.ObjectMeta{Labels: map[string]string{"app.kubernetes.io/instance": "flink"}}, "label app.kubernetes.io/instance=flink"},
		{metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}, {Manager: "argocd-controller"}}}, "field manager argocd-controller"},
		{metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "weir-cli"}}}, ""},
	} {
		d := &v1beta1.FlinkDeployment{ObjectMeta: tc.meta}
		if got := ManagedByGitOps(d); got != tc.want {
			t.Errorf("ManagedByGitOps(%+v) = %q, want %q", tc.meta, got, tc.want)
		}
		err := GuardGitOps(appOf(d), "scale", false)
		if (err != nil) != (tc.want != "") {
			t.Errorf("GuardGitOps(%+v) = %v", tc.meta, err)
		}
		if err := GuardGitOps(appOf(d), "scale", true); err != nil {
			t.Errorf("--force must let it through: %v", err)
		}
	}
}

func TestSpecChanges(t *testing.T) {
	one, two := int64(1), int64(2)
	from := v1beta1.FlinkDeploymentSpec{Image: "a", Job: &v1beta1.JobSpec{Parallelism: 1, Args: []string{"x"}, SavepointTriggerNonce: &one}}
	to := v1beta1.FlinkDeploymentSpec{Image: "b", Job: &v1beta1.JobSpec{Parallelism: 1, Args: []string{"y"}, SavepointTriggerNonce: &two, State: "suspended"}, RestartNonce: &two}
	got, err := SpecChanges(from, to)
	if err != nil || strings.Join(got, ",") != "image,job.args" {
		t.Errorf("SpecChanges = %v, %v (triggers and job.state are left out)", got, err)
	}
}

func TestComplete(t *testing.T) {
	if got := Complete([]string{"orders", "etl", "order-2"}, "ord"); strings.Join(got, ",") != "orders,order-2" {
		t.Errorf("Complete = %v", got)
	}
}

func TestRollbackSpecKeepsProfileFieldsOut(t *testing.T) {
	parse := func(s string) map[string]any {
		m := map[string]any{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	user := parse(`{"image":"flink:1.20","flinkConfiguration":{"a.b":"y"},"job":{"jarURI":"local:///j.jar","parallelism":2,"savepointTriggerNonce":5,"state":"suspended","args":["new"]}}`)
	stable := parse(`{"image":"flink:1.19","serviceAccount":"flink","flinkConfiguration":{"a.b":"x","taskmanager.numberOfTaskSlots":"2","c.d":"1"},
		"job":{"jarURI":"local:///j.jar","parallelism":1,"upgradeMode":"savepoint","savepointTriggerNonce":3,"state":"running"}}`)
	reconciled := parse(`{"image":"flink:1.20","serviceAccount":"flink","flinkConfiguration":{"a.b":"y","taskmanager.numberOfTaskSlots":"2"},
		"job":{"jarURI":"local:///j.jar","parallelism":2,"upgradeMode":"savepoint","savepointTriggerNonce":5,"state":"suspended","args":["new"]}}`)
	got := RollbackSpec(user, stable, reconciled)
	want := parse(`{"image":"flink:1.19","flinkConfiguration":{"a.b":"x","c.d":"1"},"job":{"jarURI":"local:///j.jar","parallelism":1,"savepointTriggerNonce":5,"state":"suspended"}}`)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("RollbackSpec =\n%s\nwant the user's fields rolled back, c.d (removed from the spec) back, no defaults or profile fields, the triggers kept", g)
	}
	if ch := joinPaths(diffPaths(user, got)); strings.Join(ch, ",") != "flinkConfiguration.a.b,flinkConfiguration.c.d,image,job.args,job.parallelism" {
		t.Errorf("changes = %v", ch)
	}
}
