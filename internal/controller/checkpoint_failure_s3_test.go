package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/s3local/s3test"
	"weir.dev/weir/internal/testenv"
)

// TestCheckpointFailuresOnRealFlinkAndS3 runs a job on real Flink (WEIR_FLINK_IT=1) whose
// checkpoints go through the presto plugin to the real S3 server (WEIR_S3_IT=1), once into
// a bucket that does not exist and once with credentials the server refuses. Flink's REST
// API only says "Failure to finalize checkpoint."; the operator puts the S3 server's answer
// from Flink's exception (NoSuchBucket, 403) into status.error and a CheckpointError Event,
// leaves the job to Flink, and clears the error once the bucket exists and a checkpoint
// completes. No secret value reaches the status, the Events or the operator's logs.
func TestCheckpointFailuresOnRealFlinkAndS3(t *testing.T) {
	if !flinktest.Enabled() || !s3test.Enabled() {
		t.Skip("set WEIR_FLINK_IT=1 and WEIR_S3_IT=1 to run real Flink against the real S3 server")
	}
	ctx := context.Background()
	start := time.Now()
	step := func(format string, args ...any) {
		t.Logf("[%5.1fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}
	srv := s3test.Start(t)
	s3c := s3local.NewClient(srv.Endpoint, srv.Creds)
	if _, err := s3local.EnsureBuckets(ctx, s3c, s3local.Buckets); err != nil {
		t.Fatal(err)
	}
	const missing = "weir-missing-bucket"
	refused := s3local.Credentials{AccessKeyID: srv.Creds.AccessKeyID, SecretAccessKey: "RefusedSecretValue0000000000000000000000"}
	cases := []struct {
		name, bucket string
		creds        s3local.Credentials
		want         string
	}{
		{"nobucket", missing, srv.Creds, "Error Code: NoSuchBucket"},
		{"refused", s3local.Buckets[0], refused, "Status Code: 403"},
	}

	// Both clusters start at once: the JVMs' start is most of the test's time.
	plugins := prestoPlugins(t)
	clusters := make([]*flinktest.Cluster, len(cases))
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := "s3p://" + c.bucket + "/checkpoints"
			clusters[i], errs[i] = flinktest.Start(ctx, flinktest.Options{Version: "1.20", Config: map[string]string{
				"s3.endpoint": srv.Endpoint, "s3.path.style.access": "true",
				"execution.checkpointing.dir": dir, "state.checkpoints.dir": dir,
				"taskmanager.numberOfTaskSlots": "2", "pekko.startup-timeout": "60 s",
				// Each failed checkpoint fails the job over (tolerable failures: 0); it
				// comes back a second later, so a fixed bucket is checkpointed to soon.
				"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "100000",
				"restart-strategy.fixed-delay.delay": "1 s",
			}, Env: append(s3local.EnvCredentials(c.creds), "FLINK_PLUGINS_DIR="+plugins)})
		}()
	}
	wg.Wait()
	for i := range cases {
		if fc := clusters[i]; fc != nil {
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("Flink logs of %s:\n%s", cases[i].name, tailOf(fc.Logs(), 8000))
				}
				fc.Stop()
			})
		}
		if errs[i] != nil {
			t.Fatalf("start Flink for %s: %v", cases[i].name, errs[i])
		}
	}

	step("S3 server and two Flink clusters up")
	nss := make([]string, len(cases))
	for i, c := range cases {
		nss[i] = newNamespace(t)
		if err := k8s.Create(ctx, s3local.CredentialsSecret(nss[i], c.creds)); err != nil {
			t.Fatal(err)
		}
		d := readManifest(t, "quickstart.yaml")[0].(*v1beta1.FlinkDeployment)
		d.Namespace, d.Name = nss[i], c.name
		if err := k8s.Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		url := restURLOf(t, nss[i], c.name)
		waitForObject(t, nss[i], c.name, &appsv1.Deployment{})
		// The application's JobManager is played by the local cluster: it runs the job
		// under the id weir fixed for it.
		runAs(t, clusters[i], confValue(flinkConf(t, nss[i], c.name), "$internal.pipeline.job-id"))
		flink.routeToRealFlink(url, clusters[i].RESTURL)
		markReady(t, nss[i], c.name)
	}

	for i, c := range cases {
		seen, flinkSeen := "", ""
		testenv.Eventually(t, c.name+": Flink's exception in status.error", testenv.Poll{Limit: 3 * time.Minute, Interval: time.Second}, func() error {
			e := statusMessage(getDeployment(t, nss[i], c.name).Status.Error)
			if e != seen {
				step("%s: status.error %q", c.name, e)
				seen = e
			}
			if api, err := rest.New(clusters[i].RESTURL); err == nil {
				id := getDeployment(t, nss[i], c.name).Status.JobStatus.JobID
				j, _ := api.Job(ctx, id)
				cp, _ := api.Checkpoints(ctx, id)
				if j != nil && cp != nil {
					d := fmt.Sprintf("job %s, checkpoints %+v", j.State, cp.Counts)
					if d != flinkSeen {
						step("%s: Flink: %s", c.name, d)
						flinkSeen = d
					}
				}
			}
			if !strings.HasPrefix(e, "Checkpoints failing: ") || !strings.Contains(e, "AmazonS3Exception") || !strings.Contains(e, c.want) {
				return fmt.Errorf("status.error %q", e)
			}
			return nil
		})
		waitForEvents(t, nss[i], c.name, "CheckpointError: Checkpoints failing: ", c.want)
	}
	step("both Events recorded")

	// The bucket is created: a checkpoint completes and the error goes.
	if _, err := s3local.EnsureBuckets(ctx, s3c, []string{missing}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "status.error cleared once a checkpoint completes", testenv.Poll{Limit: 3 * time.Minute, Interval: time.Second}, func() error {
		if e := getDeployment(t, nss[0], cases[0].name).Status.Error; e != "" {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	step("the bucket created, status.error cleared")

	for _, secret := range []string{srv.Creds.SecretAccessKey, refused.SecretAccessKey} {
		for i, c := range cases {
			if ev := allEvents(t, nss[i]); strings.Contains(ev, secret) {
				t.Errorf("%s: an Event holds a secret:\n%s", c.name, ev)
			}
			whole, _ := json.Marshal(getDeployment(t, nss[i], c.name).Status)
			if strings.Contains(string(whole), secret) {
				t.Errorf("%s: status holds a secret: %s", c.name, whole)
			}
		}
		for _, line := range strings.Split(capturedLogs.String(), "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("the operator logged a secret: %s", line)
			}
		}
	}
}

// prestoPlugins is a plugins directory holding flink-s3-fs-presto, as the image's
// ENABLE_BUILT_IN_PLUGINS makes it.
func prestoPlugins(t *testing.T) string {
	t.Helper()
	home, err := flinkdist.Ensure(context.Background(), "1.20")
	if err != nil {
		t.Fatal(err)
	}
	full, _ := flinkdist.Resolve("1.20")
	jar := "flink-s3-fs-presto-" + full + ".jar"
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "s3-fs-presto"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(home, "opt", jar), filepath.Join(dir, "s3-fs-presto", jar)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runAs runs StateMachineExample on the cluster under job id id.
func runAs(t *testing.T, fc *flinktest.Cluster, id string) {
	t.Helper()
	ctx := context.Background()
	api, err := rest.New(fc.RESTURL)
	if err != nil {
		t.Fatal(err)
	}
	jar, err := api.UploadJar(ctx, filepath.Join(fc.Home, "examples", "streaming", "StateMachineExample.jar"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.RunJar(ctx, jar, rest.RunJarRequest{JobID: id, Parallelism: 1}); err != nil {
		t.Fatal(err)
	}
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
