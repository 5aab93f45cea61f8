package crash

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

const (
	oldImage = "flink:1.20"
	newImage = "flink:1.20.3"
)

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
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
		// The Flink ServiceAccount a namespace admin provides (the operator creates none).
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flink",
			Labels: map[string]string{resources.FlinkServiceAccountLabel: "true"}}}
		if err := k8s.Create(ctx, sa); err != nil {
			t.Fatal(err)
		}
	}
	var keys []client.ObjectKey
	for i := range s.apps {
		keys = append(keys, client.ObjectKey{Namespace: namespaces[i%len(namespaces)], Name: fmt.Sprintf("app-%03d", i)})
	}
	// Created in the background so that the first kills land while apps still arrive.
	created := make(chan error, 1)
	go func() { created <- each(keys, func(k client.ObjectKey, i int) error { return k8s.Create(ctx, app(k, i%2 == 1)) }) }()

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
	if err := each(keys, func(k client.ObjectKey, _ int) error {
		d := &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name}}
		return k8s.Patch(ctx, d, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"image":"`+newImage+`"}}`)))
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("spec changed for all %d apps (%s since start)", len(keys), time.Since(begin).Round(time.Millisecond))
	killAtRandom("upgrade", s.upgradeKills)

	// Converged: the check passes (bounded wait, polled; the problems of the last look are
	// reported if it never does).
	deadline := time.Now().Add(s.converge)
	var problems []string
	for {
		problems, err = check(ctx, k8s, keys, namespaces)
		if err == nil && len(problems) == 0 {
			break
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) > 30 {
				problems = append(problems[:30], fmt.Sprintf("... and %d more", len(problems)-30))
			}
			t.Fatalf("not converged %s after the last restart (seed %d); %d problems:\n%s", s.converge, s.seed, len(problems), join(problems))
		}
		time.Sleep(2 * time.Second)
	}
	t.Logf("converged %s after start (all %d apps)", time.Since(begin).Round(time.Second), len(keys))
}

// appYAML is FKO's basic example (examples/basic.yaml) with upgradeMode stateless.
const appYAML = `
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
spec:
  image: ` + oldImage + `
  flinkVersion: v1_20
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: "2"
  serviceAccount: flink
  jobManager:
    resource: {memory: "1024m", cpu: 0.5}
  taskManager:
    resource: {memory: "1024m", cpu: 0.5}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: stateless
`

func app(k client.ObjectKey, standalone bool) *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{}
	if err := yaml.Unmarshal([]byte(appYAML), d); err != nil {
		panic(err) // a constant
	}
	d.Name, d.Namespace = k.Name, k.Namespace
	if standalone {
		d.Spec.Mode = v1beta1.ModeStandalone
	}
	return d
}

// each runs f for every key, 8 at a time, and returns the first error.
func each(keys []client.ObjectKey, f func(client.ObjectKey, int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	work := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if err := f(keys[i], i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range keys {
		work <- i
	}
	close(work)
	wg.Wait()
	return first
}

func join(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}
