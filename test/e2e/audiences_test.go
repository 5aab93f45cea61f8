package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/audit"
	"weir.dev/weir/internal/demo"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/s3local"
)

// audiencesJob is the flagship example job as the lifecycle e2e runs it: a bounded, seeded
// stream, slow enough to outlast every scenario step. Its checkpoints, savepoints and HA
// data live in the local platform's S3 bucket flink-state, its output in flink-output
// (docs/s3.md), and the test reads both with the S3 API as any client would. Only the jar
// comes from the host, on a read-only hostPath volume.
type audiencesJob struct {
	name   string
	jarDir string // the host directory holding audiences.jar, mounted read-only
	jar    string // the built jar, next to its classpath.txt (the host-side QueryTraits client)
	s3     *s3.Client
	gen    audit.GenConfig
	rules  []audit.Rule
	rate   int // events per second while the scenario runs
}

// Where the job keeps its state and output, in the buckets `weir local up` creates.
const (
	stateBucket   = "flink-state"
	outputBucket  = "flink-output"
	entropyKey    = "_entropy_"
	entropyLength = 4
	jarMount      = "/opt/weir-jobs"
)

func newAudiencesJob(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, name string) *audiencesJob {
	t.Helper()
	rules, err := audit.ParseRules(audit.DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(r.Layout().S3Credentials())
	if err != nil {
		t.Fatal(err)
	}
	creds, err := s3local.ParseEnvFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	// The pods take the credentials from their namespace's copy of the Secret (envFrom).
	if err := r.CopyS3Credentials(ctx, c, e2eNamespace); err != nil {
		t.Fatal(err)
	}
	j := &audiencesJob{
		name:   name,
		jarDir: filepath.Join(r.DataDir, "volumes", name, "jars"),
		s3:     s3local.NewClient(s3local.Endpoint(localcluster.BridgeIP), creds),
		// 600k events at 300/s last ~33 minutes of running, longer than the steps (which also
		// stop the job for a while); the last step lifts the cap so the input ends. Event time
		// spans ~21 days, so the 7-day windows slide and the 30-day ones fill.
		gen:   audit.GenConfig{Seed: 2026, Events: 600_000, Users: 3_000, SpacingMs: 3_000, BaseTs: audit.DefaultGenConfig().BaseTs},
		rules: rules,
		rate:  300,
	}
	// A kept data dir (WEIR_E2E_LIFECYCLE_DATA_DIR) keeps its buckets: start from empty prefixes.
	for _, b := range []string{stateBucket, outputBucket} {
		if err := deletePrefix(ctx, j.s3, b, j.prefix()+"/"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(j.jarDir, 0o755); err != nil {
		t.Fatal(err)
	}
	j.jar = buildAudiencesJar(t)
	copyFile(t, j.jar, filepath.Join(j.jarDir, "audiences.jar"))
	return j
}

// prefix is the job's key prefix in both buckets: <namespace>/<name>.
func (j *audiencesJob) prefix() string { return e2eNamespace + "/" + j.name }

// stateURI is an s3p:// location under the job's prefix in flink-state (the presto plugin).
func (j *audiencesJob) stateURI(rel string) string {
	return "s3p://" + stateBucket + "/" + j.prefix() + "/" + rel
}

// stateKey maps a snapshot location (s3p://flink-state/<key>) to its key in the bucket.
func stateKey(location string) (string, error) {
	_, rest, ok := strings.Cut(location, "://")
	bucket, key, _ := strings.Cut(rest, "/")
	if !ok || bucket != stateBucket || key == "" {
		return "", fmt.Errorf("snapshot location %q is not in s3://%s", location, stateBucket)
	}
	return strings.TrimSuffix(key, "/"), nil
}

// deletePrefix deletes every object under prefix.
func deletePrefix(ctx context.Context, c *s3.Client, bucket, prefix string) error {
	keys, err := s3local.ListKeys(ctx, c, bucket, prefix)
	if err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		ids := make([]s3types.ObjectIdentifier, 0, n)
		for _, k := range keys[:n] {
			ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(k)})
		}
		if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: ids}}); err != nil {
			return fmt.Errorf("delete under s3://%s/%s: %w", bucket, prefix, err)
		}
		keys = keys[n:]
	}
	return nil
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
		"--output", "s3a://" + outputBucket + "/" + j.prefix(),
		"--seed", fmt.Sprint(g.Seed), "--events", fmt.Sprint(g.Events), "--users", fmt.Sprint(g.Users),
		"--spacing-ms", fmt.Sprint(g.SpacingMs), "--base-ts", fmt.Sprint(g.BaseTs),
		"--rate", fmt.Sprint(rate), "--checkpoint-interval-ms", interval,
		// Events are applied every 6 hours of event time (about a minute at the capped rate),
		// and a snapshot per user and day, so each audit of the running job has new output.
		"--bucket-ms", "21600000", "--snapshot-interval-ms", "86400000",
		// The source keeps its two readers when the last-state step rescales the job to 1,
		// so each generator split keeps its own reader and event time stays in order.
		"--source-parallelism", "2",
		// Each user's traits are queryable state (queryable_state_test.go).
		"--queryable-traits", queryableTraits,
	}
}

// deployment is an FKO-style application: native mode, Kubernetes HA, rollback enabled,
// with state and output on S3 as docs/s3.md describes: checkpoints with entropy injection,
// savepoints and HA data without it, all through the presto plugin (s3p://); the
// exactly-once FileSink through the hadoop plugin (s3a://), the one with a recoverable
// writer. The credentials reach the pods only through the Secret (envFrom).
func (j *audiencesJob) deployment() *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: j.name, Namespace: e2eNamespace},
		Spec: v1beta1.FlinkDeploymentSpec{
			Image: "flink:1.20", FlinkVersion: v1beta1.FlinkVersion1_20, ServiceAccount: "flink",
			ImagePullPolicy: "IfNotPresent",
			FlinkConfiguration: v1beta1.NewConfigObject(map[string]string{
				"taskmanager.numberOfTaskSlots": "2",
				"state.backend.type":            "hashmap",
				"state.checkpoints.dir":         j.stateURI(entropyKey + "/checkpoints"),
				"state.savepoints.dir":          j.stateURI("savepoints"),
				"s3.entropy.key":                entropyKey,
				"s3.entropy.length":             fmt.Sprint(entropyLength),
				"s3.endpoint":                   s3local.ClusterEndpoint(),
				"s3.path.style.access":          "true",
				// The hadoop plugin (the sink) deletes the parents' directory markers after each
				// write; on versitygw's POSIX backend those keys are real directories, refused with
				// ErrDirectoryNotEmpty, and S3A retries for about two minutes with the committing
				// task blocked. Kept markers need no delete (docs/s3.md).
				"fs.s3a.directory.marker.retention":                "keep",
				"execution.checkpointing.interval":                 "3s",
				"high-availability.type":                           "kubernetes",
				"high-availability.storageDir":                     j.stateURI("ha"),
				"restart-strategy.type":                            "fixed-delay",
				"restart-strategy.fixed-delay.attempts":            "2147483647",
				"restart-strategy.fixed-delay.delay":               "2 s",
				"heartbeat.timeout":                                "20000",
				"kubernetes.operator.deployment.rollback.enabled":  "true",
				"kubernetes.operator.deployment.readiness.timeout": "90s",
				// A short savepoint history, so that the run prunes (and disposes of) savepoints.
				"kubernetes.operator.savepoint.history.max.count": "2",
				// weir serves the TaskManagers' queryable-state proxy as <name>-queryable-state.
				"queryable-state.enable": "true",
			}),
			JobManager:  &v1beta1.JobManagerSpec{Resource: &v1beta1.Resource{CPU: ptr.To(0.5), Memory: "1024m"}},
			TaskManager: &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{CPU: ptr.To(0.5), Memory: "1280m"}},
			Job: &v1beta1.JobSpec{
				JarURI:      "local://" + jarMount + "/audiences.jar",
				EntryClass:  "dev.weir.audiences.AudiencesJob",
				Args:        j.args(j.rate),
				Parallelism: 2, UpgradeMode: v1beta1.UpgradeModeSavepoint,
			},
		},
	}
	d.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "flink-main-container",
			// The image's entrypoint copies these opt/ jars into plugins/.
			Env: []corev1.EnvVar{{Name: "ENABLE_BUILT_IN_PLUGINS", Value: "flink-s3-fs-presto-1.20.0.jar;flink-s3-fs-hadoop-1.20.0.jar"}},
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: s3local.SecretName},
			}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "jobs", MountPath: jarMount, ReadOnly: true}},
		}},
		Volumes: []corev1.Volume{{Name: "jobs", VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: j.jarDir, Type: ptr.To(corev1.HostPathDirectory)},
		}}},
	}}
	return d
}

// audit checks the committed output, read from the bucket: an exact prefix of the run
// while it runs, the whole run once the input has ended. It returns the report and its text.
func (j *audiencesJob) audit(ctx context.Context, finished bool) (*audit.Report, string, error) {
	keys, err := s3local.ListKeys(ctx, j.s3, outputBucket, j.prefix()+"/")
	if err != nil {
		return nil, "", err
	}
	out, err := audit.ReadObjects(j.prefix(), keys, func(key string) (io.ReadCloser, error) {
		o, err := j.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(outputBucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		return o.Body, nil
	})
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

// committedFiles counts the part files the sink has committed to the bucket so far.
func (j *audiencesJob) committedFiles(ctx context.Context) (int, error) {
	keys, err := s3local.ListKeys(ctx, j.s3, outputBucket, j.prefix()+"/")
	if err != nil {
		return 0, err
	}
	return len(audit.ListObjects(j.prefix(), keys).Files), nil
}

// stateKeys lists the job's objects in flink-state.
func (j *audiencesJob) stateKeys(ctx context.Context) ([]string, error) {
	return s3local.ListKeys(ctx, j.s3, stateBucket, j.prefix()+"/")
}
