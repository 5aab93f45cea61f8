package crash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/examples"
	"weir.dev/weir/internal/testenv"
)

// newImage is what the upgrade of every app sets (examples/basic.yaml has flink:1.20).
const newImage = "flink:1.20.3"

// settings are the numbers unless the environment says otherwise.
type settings struct {
	apps, kills, upgradeKills int
	seed                      uint64
	converge                  time.Duration
}

func readSettings(t *testing.T) settings {
	s := settings{apps: envInt(t, "WEIR_CRASH_APPS", 100), kills: envInt(t, "WEIR_CRASH_KILLS", 10),
		upgradeKills: envInt(t, "WEIR_CRASH_UPGRADE_KILLS", 5), seed: uint64(time.Now().UnixNano()), converge: 4 * time.Minute}
	if v := os.Getenv("WEIR_CRASH_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("WEIR_CRASH_SEED: %v", err)
		}
		s.seed = seed
	}
	if v := os.Getenv("WEIR_CRASH_CONVERGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("WEIR_CRASH_CONVERGE: %v", err)
		}
		s.converge = d
	}
	return s
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a count", name, v)
	}
	return n
}

func TestOperatorKilledDuringDeployAndUpgrade(t *testing.T) {
	if os.Getenv("WEIR_CRASH_IT") != "1" {
		t.Skip("crash-consistency test: set WEIR_CRASH_IT=1 (make test-crash)")
	}
	s := readSettings(t)
	t.Logf("seed %d (replay with WEIR_CRASH_SEED=%d): %d apps, %d kills while deploying, %d while upgrading",
		s.seed, s.seed, s.apps, s.kills, s.upgradeKills)
	rnd := rand.New(rand.NewPCG(s.seed, s.seed^0x5eed))

	cp, err := testenv.StartControlPlane("../../config/crd", os.Getenv("KUBEBUILDER_ASSETS"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cp.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	k8s := cp.Client
	go testenv.PlayKubeletAndGC(ctx, k8s, 300*time.Millisecond)

	bin := os.Getenv("WEIR_OPERATOR_BIN")
	if bin == "" {
		bin = "../../bin/weir-operator"
	}
	// The log outlives a failed run (t.TempDir would remove it).
	logDir, err := os.MkdirTemp("", "weir-crash-")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(logDir, "operator.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	// Refused connections: a Flink call fails at once, so the operator stays busy with
	// the Kubernetes side, where the crashes matter.
	deadFlink, err := testenv.DeadJobManagers(ctx, "refuse")
	if err != nil {
		t.Fatal(err)
	}
	op := testenv.NewOperator(bin, cp.Kubeconfig, deadFlink, logf, "--reconcile-interval=5s")
	start := func() {
		t.Helper()
		if err := op.Start(ctx); err != nil {
			t.Fatalf("%v (log %s)", err, logPath)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("operator log: %s", logPath)
		} else {
			os.RemoveAll(logDir)
		}
	})
	begin := time.Now()
	start()
	defer op.Stop()

	namespaces := []string{"crash-0", "crash-1", "crash-2", "crash-3"}
	for _, ns := range namespaces {
		if err := testenv.CreateNamespace(ctx, k8s, ns); err != nil {
			t.Fatal(err)
		}
	}
	var keys []client.ObjectKey
	for i := range s.apps {
		keys = append(keys, client.ObjectKey{Namespace: namespaces[i%len(namespaces)], Name: fmt.Sprintf("app-%03d", i)})
	}
	// Apps arrive, and later their spec changes, spread over each kill phase, so that every
	// kill lands while the operator has work in hand (a kill moment is 0.5-4 s after the
	// last restart, 2.25 s on average).
	spread := func(kills int) time.Duration {
		return time.Duration(kills) * 2250 * time.Millisecond / time.Duration(len(keys))
	}
	created := make(chan error, 1)
	go func() {
		created <- paced(ctx, keys, spread(s.kills), func(k client.ObjectKey, i int) error { return k8s.Create(ctx, app(k, i%2 == 1)) })
	}()

	killAtRandom := func(phase string, kills int) {
		for i := range kills {
			wait := time.Duration(500+rnd.IntN(3500)) * time.Millisecond
			down := time.Duration(rnd.IntN(1500)) * time.Millisecond
			time.Sleep(wait)
			op.Kill()
			t.Logf("%s: kill %d/%d after %s (%s since start), restart after %s", phase, i+1, kills, wait, time.Since(begin).Round(time.Millisecond), down)
			time.Sleep(down)
			start()
		}
	}
	killAtRandom("deploy", s.kills)
	if err := <-created; err != nil {
		t.Fatal(err)
	}

	// Every app upgrades (a new image); upgrade mode stateless needs no savepoint.
	upgraded := make(chan error, 1)
	go func() {
		upgraded <- paced(ctx, keys, spread(s.upgradeKills), func(k client.ObjectKey, _ int) error {
			d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}
			return k8s.Patch(ctx, d, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"image":"`+newImage+`"}}`)))
		})
	}()
	killAtRandom("upgrade", s.upgradeKills)
	if err := <-upgraded; err != nil {
		t.Fatal(err)
	}
	t.Logf("spec changed for all %d apps (%s since start)", len(keys), time.Since(begin).Round(time.Millisecond))

	// Converged: the check passes (bounded wait, polled; the problems of the last look are
	// reported if it never does).
	var problems []string
	testenv.Eventually(t, fmt.Sprintf("all apps to converge after the last restart (seed %d)", s.seed),
		testenv.Poll{Limit: s.converge, Interval: 2 * time.Second, Ctx: ctx, Diagnose: func() string {
			if len(problems) > 30 {
				problems = append(problems[:30], fmt.Sprintf("... and %d more", len(problems)-30))
			}
			return fmt.Sprintf("%d problems:\n%s", len(problems), join(problems))
		}}, func() error {
			var err error
			problems, err = check(ctx, k8s, keys, namespaces)
			if err == nil && len(problems) > 0 {
				err = fmt.Errorf("%d apps' objects or status not converged", len(problems))
			}
			return err
		})
	t.Logf("converged %s after start (all %d apps)", time.Since(begin).Round(time.Second), len(keys))
}

// app is FKO's basic example (examples/basic.yaml, stateless) at k, in standalone mode if
// asked.
func app(k client.ObjectKey, standalone bool) *v1beta1.FlinkDeployment {
	d := examples.Basic(k.Namespace, k.Name)
	if standalone {
		d.Spec.Mode = v1beta1.ModeStandalone
	}
	return d
}

// paced runs f for every key in turn, one every interval, and returns the first error.
func paced(ctx context.Context, keys []client.ObjectKey, interval time.Duration, f func(client.ObjectKey, int) error) error {
	for i, k := range keys {
		if err := f(k, i); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
	return nil
}

func join(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}
