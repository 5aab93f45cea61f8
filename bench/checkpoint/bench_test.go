package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/flinkdist/flinktest"
	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/s3local/s3test"
)

const (
	flinkLine  = "1.20" // the line the job jar (examples/audiences) is built against
	valueBytes = 4096   // one ValueState per key; state ≈ keys × valueBytes
	entropyKey = "_entropy_"
	// churnFraction of the keys is rewritten per second after the fill, and churnWait
	// separates the full checkpoint from the incremental one: the delta is about
	// churnFraction × churnWait/s of the state, plus RocksDB's compactions.
	churnFraction = 0.01
	churnWait     = 10 * time.Second
)

// variant is one Flink cluster configuration; the bench runs a baseline (presto, entropy,
// RocksDB incremental) at each size and varies one factor at a time at one size.
type variant struct {
	name    string
	scheme  string // s3p (presto) or s3a (hadoop)
	entropy bool
	mb      int // target state size in MiB
}

// result is one snapshot (checkpoint or savepoint) as Flink reports it and as the proxy
// counted it.
type result struct {
	variant
	kind             string // first, incremental, full, stop-with-savepoint
	duration         time.Duration
	stateSize        int64
	checkpointedSize int64
	d                delta
}

func TestBenchCheckpoint(t *testing.T) {
	if os.Getenv("WEIR_BENCH_CHECKPOINT") != "1" {
		t.Skip("set WEIR_BENCH_CHECKPOINT=1 (make bench-checkpoint) to run the checkpoint benchmark")
	}
	began := time.Now()
	jar, err := filepath.Abs("../../examples/audiences/target/audiences.jar")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("%v: build it with examples/audiences/build.sh (make bench-checkpoint does)", err)
	}
	srv := s3test.Start(t)
	proxy := startProxy(t, srv.Endpoint)
	ctx := context.Background()
	c := s3local.NewClient(proxy.URL, srv.Creds)
	if _, err := s3local.EnsureBuckets(ctx, c, s3local.Buckets); err != nil {
		t.Fatal(err)
	}
	bucket := s3local.Buckets[0]

	big := measureRawPut(t, c, proxy, bucket, "raw/big", 96, 8<<20, 8)
	small := measureRawPut(t, c, proxy, bucket, "raw/small", 2000, 4<<10, 16)
	clearBucket(t, srv.Root, bucket)

	sizes := []int{64, 256, 1024}
	if s := os.Getenv("WEIR_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatalf("WEIR_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	mid := sizes[len(sizes)/2]
	// The baseline at each size, one factor changed at a time at the middle size; the
	// largest size last, so the variations are measured even if it runs out of time.
	var variants []variant
	for _, mb := range sizes[:len(sizes)-1] {
		variants = append(variants, variant{"presto, entropy", "s3p", true, mb})
	}
	variants = append(variants,
		variant{"presto, no entropy", "s3p", false, mid},
		variant{"hadoop, entropy", "s3a", true, mid},
		variant{"presto, entropy", "s3p", true, sizes[len(sizes)-1]},
	)
	var results []result
	for _, v := range variants {
		if only := os.Getenv("WEIR_BENCH_ONLY"); only != "" && !strings.Contains(v.name, only) {
			continue
		}
		t.Logf("%s, %d MiB: starting (%s since the start)", v.name, v.mb, time.Since(began).Round(time.Second))
		results = append(results, runVariant(t, srv, proxy, jar, bucket, v)...)
		clearBucket(t, srv.Root, bucket)
	}
	report(os.Stdout, big, small, results, time.Since(began))
}

func runVariant(t *testing.T, srv s3test.Server, proxy *countingProxy, jar, bucket string, v variant) []result {
	t.Helper()
	ctx := context.Background()
	home, err := flinkdist.Ensure(ctx, flinkLine)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := flinkdist.Resolve(flinkLine)
	plugin := map[string]string{"s3p": "presto", "s3a": "hadoop"}[v.scheme]
	plugins := t.TempDir()
	pjar := "flink-s3-fs-" + plugin + "-" + full + ".jar"
	if err := os.MkdirAll(filepath.Join(plugins, "s3-fs-"+plugin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(home, "opt", pjar), filepath.Join(plugins, "s3-fs-"+plugin, pjar)); err != nil {
		t.Fatal(err)
	}
	ckp := v.scheme + "://" + bucket + "/checkpoints"
	if v.entropy {
		ckp = v.scheme + "://" + bucket + "/" + entropyKey + "/checkpoints"
	}
	sp := v.scheme + "://" + bucket + "/savepoints"
	conf := map[string]string{
		"s3.endpoint":                           proxy.URL,
		"s3.path.style.access":                  "true",
		"state.backend.type":                    "rocksdb",
		"state.backend.incremental":             "true",
		"execution.checkpointing.incremental":   "true",
		"execution.checkpointing.dir":           ckp,
		"state.checkpoints.dir":                 ckp,
		"execution.checkpointing.savepoint-dir": sp,
		"state.savepoints.dir":                  sp,
		// Only the bench's triggers checkpoint; the interval only enables checkpointing.
		"execution.checkpointing.interval": "1h",
		"execution.checkpointing.timeout":  "10min",
		"taskmanager.memory.process.size":  "3g",
		"taskmanager.numberOfTaskSlots":    "2",
	}
	if v.scheme == "s3a" {
		// versitygw 1.8.0 fails the hadoop plugin's multi-object deletes (of the directory
		// markers it removes after each write), which it retries for minutes. Keeping the
		// markers (Hadoop's advice for performance) and deleting one object per request
		// avoid the call.
		conf["s3.directory.marker.retention"] = "keep"
		conf["s3.multiobjectdelete.enable"] = "false"
	}
	if v.entropy {
		conf["s3.entropy.key"] = entropyKey
		conf["s3.entropy.length"] = "4"
	}
	var dir string
	if keep := os.Getenv("WEIR_BENCH_KEEP_DIR"); keep != "" { // keep the processes' logs
		dir = filepath.Join(keep, fmt.Sprintf("%s-%t-%d", v.scheme, v.entropy, v.mb))
	}
	fc := flinktest.New(t, flinktest.Options{
		Dir:     dir,
		Version: flinkLine,
		Config:  conf,
		Env:     append(s3local.EnvCredentials(srv.Creds), "FLINK_PLUGINS_DIR="+plugins),
	})
	api, err := rest.New(fc.RESTURL)
	if err != nil {
		t.Fatal(err)
	}
	jarID, err := api.UploadJar(ctx, jar)
	if err != nil {
		t.Fatal(err)
	}
	keys := int64(v.mb) << 20 / valueBytes
	job, err := api.RunJar(ctx, jarID, rest.RunJarRequest{
		EntryClass:  "dev.weir.statebench.StateFillJob",
		Parallelism: 2,
		ProgramArgs: []string{"--keys", strconv.FormatInt(keys, 10), "--value-bytes", strconv.Itoa(valueBytes),
			"--churn-per-second", strconv.FormatFloat(float64(keys)*churnFraction, 'f', 0, 64)},
	})
	if err != nil {
		t.Fatal(err)
	}
	fillStart := time.Now()
	waitFilled(t, fc.RESTURL, job, keys)
	t.Logf("  filled %d keys × %d B in %s", keys, valueBytes, time.Since(fillStart).Round(time.Second))

	var out []result
	// The first checkpoint of an incremental backend uploads everything; after the churn
	// the configured (incremental) one uploads the delta; then a FULL trigger uploads the
	// whole state again (Flink refuses an explicit INCREMENTAL trigger, FLINK-33723).
	out = append(out, checkpoint(t, api, proxy, job, v, rest.CheckpointConfigured, "first"))
	time.Sleep(churnWait)
	out = append(out, checkpoint(t, api, proxy, job, v, rest.CheckpointConfigured, "incremental"))
	out = append(out, checkpoint(t, api, proxy, job, v, rest.CheckpointFull, "full"))
	out = append(out, stopWithSavepoint(t, api, proxy, job, v))
	fc.Stop() // on failure the test's cleanup stops it after printing its logs
	return out
}

var fastPoll = rest.PollInterval{Initial: 100 * time.Millisecond, Max: 250 * time.Millisecond}

func checkpoint(t *testing.T, api *rest.Client, p *countingProxy, job string, v variant, typ rest.CheckpointType, kind string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	before := p.snap()
	tid, err := api.TriggerCheckpoint(ctx, job, typ, "")
	if err != nil {
		t.Fatal(err)
	}
	id, err := api.AwaitCheckpoint(ctx, job, tid, fastPoll)
	if err != nil {
		t.Fatalf("%s checkpoint: %v", kind, err)
	}
	d := p.snap().since(before)
	// The statistics can trail the trigger's completion by a moment.
	var s *rest.CheckpointSummary
	for i := 0; ; i++ {
		if s, err = api.CheckpointDetails(ctx, job, id); err == nil && s.Status == rest.CheckpointCompleted {
			break
		}
		if i == 50 {
			t.Fatalf("statistics of checkpoint %d: %v", id, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	r := result{variant: v, kind: kind, duration: time.Duration(s.EndToEndDuration) * time.Millisecond,
		stateSize: s.StateSize, checkpointedSize: s.CheckpointedSize, d: d}
	t.Logf("  %s checkpoint %d: %s, state %d B, checkpointed %d B, %d B sent in %d requests",
		kind, id, r.duration, s.StateSize, s.CheckpointedSize, d.sent, d.requests())
	return r
}

// stopWithSavepoint is what an upgrade does: a canonical savepoint, then the job stops.
func stopWithSavepoint(t *testing.T, api *rest.Client, p *countingProxy, job string, v variant) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	before := p.snap()
	start := time.Now()
	tid, err := api.StopWithSavepoint(ctx, job, rest.StopRequest{Format: rest.SavepointCanonical})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := api.AwaitSavepoint(ctx, job, tid, fastPoll)
	if err != nil {
		t.Fatalf("stop-with-savepoint: %v", err)
	}
	wall := time.Since(start)
	d := p.snap().since(before)
	r := result{variant: v, kind: "stop-with-savepoint", duration: wall, d: d}
	// The savepoint's own statistics (its size, Flink's duration) can trail its completion.
	for i := 0; i < 25; i++ {
		st, err := api.Checkpoints(ctx, job)
		if err == nil {
			for _, h := range st.History {
				if h.IsSavepoint && h.Status == rest.CheckpointCompleted {
					r.stateSize, r.checkpointedSize = h.StateSize, h.CheckpointedSize
					t.Logf("  savepoint %s: %d B, Flink's duration %dms, wall %s (trigger to stopped), %d B sent in %d requests",
						loc, h.StateSize, h.EndToEndDuration, wall, d.sent, d.requests())
					return r
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("  savepoint %s: wall %s (no statistics), %d B sent in %d requests", loc, wall, d.sent, d.requests())
	return r
}

// waitFilled polls the job's vertices until the state function has received keys records
// (each key written once), then lets RocksDB settle briefly.
func waitFilled(t *testing.T, base, job string, keys int64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		var j struct {
			State    string `json:"state"`
			Vertices []struct {
				Name    string `json:"name"`
				Metrics struct {
					ReadRecords int64 `json:"read-records"`
				} `json:"metrics"`
			} `json:"vertices"`
		}
		resp, err := http.Get(base + "/jobs/" + job)
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&j)
			resp.Body.Close()
		}
		if err == nil {
			if j.State == "FAILED" || j.State == "CANCELED" {
				t.Fatalf("job %s is %s", job, j.State)
			}
			for _, v := range j.Vertices {
				if strings.Contains(v.Name, "fill") && v.Metrics.ReadRecords >= keys {
					time.Sleep(2 * time.Second)
					return
				}
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the job did not write %d keys in time", keys)
}

// clearBucket empties the bucket on disk between variants (versitygw keeps each object as
// a file under <root>/<bucket>), so one variant's objects never count in another's listing.
func clearBucket(t *testing.T, root, bucket string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, bucket))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") { // versitygw's own scratch (multipart uploads)
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, bucket, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}
