package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/audit"
)

// audiencesJob is the flagship example job as the lifecycle e2e runs it: a bounded, seeded
// stream, slow enough to outlast every scenario step, with its jar, checkpoints, savepoints,
// HA data and output on one hostPath volume that the test reads from the host.
type audiencesJob struct {
	name    string
	hostDir string // the volume on the host; /flink-data in the pods
	gen     audit.GenConfig
	rules   []audit.Rule
	rate    int // events per second while the scenario runs
}

func newAudiencesJob(t *testing.T, name, dataDir string) *audiencesJob {
	t.Helper()
	rules, err := audit.ParseRules(audit.DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	j := &audiencesJob{
		name:    name,
		hostDir: filepath.Join(dataDir, "volumes", name),
		// 600k events at 300/s last ~33 minutes of running, longer than the steps (which also
		// stop the job for a while); the last step lifts the cap so the input ends. Event time
		// spans ~21 days, so the 7-day windows slide and the 30-day ones fill.
		gen:   audit.GenConfig{Seed: 2026, Events: 600_000, Users: 3_000, SpacingMs: 3_000, BaseTs: audit.DefaultGenConfig().BaseTs},
		rules: rules,
		rate:  300,
	}
	if err := os.MkdirAll(filepath.Join(j.hostDir, "jars"), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, buildAudiencesJar(t), filepath.Join(j.hostDir, "jars", "audiences.jar"))
	return j
}

// buildAudiencesJar builds examples/audiences (cached by a hash of its sources).
func buildAudiencesJar(t *testing.T) string {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "..", "examples", "audiences")
	cmd := exec.Command("./build.sh")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "AUDIENCES_SKIP_TESTS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the audiences job: %v\n%s", err, out)
	}
	return filepath.Join(dir, "target", "audiences.jar")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// args are the job's arguments at the given rate cap (0 = none). Without a cap the job
// checkpoints every 20 s instead of 3 s: the heap backend copies all state on each one, and
// on half a core that would throttle the run to the end of input.
func (j *audiencesJob) args(rate int) []string {
	g := j.gen
	interval := "3000"
	if rate == 0 {
		interval = "20000"
	}
	return []string{
		"--output", "/flink-data/out",
		"--seed", fmt.Sprint(g.Seed), "--events", fmt.Sprint(g.Events), "--users", fmt.Sprint(g.Users),
		"--spacing-ms", fmt.Sprint(g.SpacingMs), "--base-ts", fmt.Sprint(g.BaseTs),
		"--rate", fmt.Sprint(rate), "--checkpoint-interval-ms", interval,
		// Events are applied every 6 hours of event time (about a minute at the capped rate),
		// and a snapshot per user and day, so each audit of the running job has new output.
		"--bucket-ms", "21600000", "--snapshot-interval-ms", "86400000",
		// The source keeps its two readers when the last-state step rescales the job to 1,
		// so each generator split keeps its own reader and event time stays in order.
		"--source-parallelism", "2",
	}
}

// deployment is an FKO-style application: native mode, Kubernetes HA, checkpoints and
// savepoints on the shared volume, rollback enabled.
func (j *audiencesJob) deployment() *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: j.name, Namespace: e2eNamespace},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: v1beta1.FlinkVersion1_20, ServiceAccount: "flink",
			ImagePullPolicy: "IfNotPresent",
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]string{
				"taskmanager.numberOfTaskSlots":                    "2",
				"state.backend.type":                               "hashmap",
				"state.checkpoints.dir":                            "file:///flink-data/checkpoints",
				"state.savepoints.dir":                             "file:///flink-data/savepoints",
				"execution.checkpointing.interval":                 "3s",
				"high-availability.type":                           "kubernetes",
				"high-availability.storageDir":                     "file:///flink-data/ha",
				"restart-strategy.type":                            "fixed-delay",
				"restart-strategy.fixed-delay.attempts":            "2147483647",
				"restart-strategy.fixed-delay.delay":               "2 s",
				"heartbeat.timeout":                                "20000",
				"kubernetes.operator.deployment.rollback.enabled":  "true",
				"kubernetes.operator.deployment.readiness.timeout": "90s",
			}),
			JobManager:  &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{CPU: ptr.To(0.5), Memory: "1024m"}},
			TaskManager: &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{CPU: ptr.To(0.5), Memory: "1280m"}},
			Job: &v1beta1.JobSpec{
				JarURI:      "local:///flink-data/jars/audiences.jar",
				EntryClass:  "dev.weir.audiences.AudiencesJob",
				Args:        j.args(j.rate),
				Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint,
			},
		},
	}
	withSharedVolume(d, j.hostDir)
	return d
}

// hostPath maps a snapshot location inside the pods (file:/flink-data/...) to the host.
func (j *audiencesJob) hostPath(p string) string {
	p = strings.TrimPrefix(strings.TrimPrefix(p, "file:"), "//")
	return filepath.Join(j.hostDir, strings.TrimPrefix(p, "/flink-data"))
}

// audit checks the committed output: an exact prefix of the run while it runs, the whole
// run once the input has ended. It returns the report and its text.
func (j *audiencesJob) audit(finished bool) (*audit.Report, string, error) {
	out, err := audit.ReadOutput(filepath.Join(j.hostDir, "out"))
	if err != nil {
		return nil, "", err
	}
	check := audit.CheckPrefix
	if finished {
		check = audit.Check
	}
	rep := check(j.gen, j.rules, out)
	var b strings.Builder
	rep.Write(&b)
	return rep, b.String(), nil
}

// committedFiles counts the part files the sink has committed so far.
func (j *audiencesJob) committedFiles() (int, error) {
	out, err := audit.ListOutput(filepath.Join(j.hostDir, "out"))
	if err != nil {
		return 0, err
	}
	return len(out.Files), nil
}
