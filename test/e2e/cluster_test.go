package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	flinkrest "weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/testenv"
)

// operatorCluster brings up a local cluster (data dir from the environment variable
// dataDirEnv, else a temporary one), imports the Flink and operator images built from this
// tree and installs the operator with its Helm chart, the way `make run` does. When the
// test ends the cluster goes down and the host must be as it was.
// teamNamespaces are watched beside e2eNamespace: two teams under two FlinkProfiles
// (profiles_test.go).
var teamNamespaces = []string{"team-a", "team-b"}

func operatorCluster(t *testing.T, ctx context.Context, dataDirEnv string, with ...string) (*demo.Runner, *app.Clients) {
	t.Helper()
	if out, err := exec.Command("ip", "link", "show", localcluster.BridgeName).CombinedOutput(); err == nil {
		t.Fatalf("bridge %s exists: a local cluster is already running; run `weir local down` first\n%s", localcluster.BridgeName, out)
	}
	dataDir := os.Getenv(dataDirEnv)
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	r := demo.NewRunner(lineLogger{t})
	r.DataDir = dataDir
	r.With = with
	r.OperatorBinary = buildOperatorBinary(t, ctx)
	// The session-job e2e serves its jar over http from the host's bridge address: the
	// operator allows exactly that, as a platform team would list its artifact server.
	r.OperatorConfig = opconfig.ArtifactsAllowedSchemes + ": https,http\n" +
		opconfig.ArtifactsAllowedCIDRs + ": " + localcluster.BridgeIP + "/32\n"
	t.Cleanup(func() {
		if err := r.ClusterDown(context.Background()); err != nil {
			t.Errorf("down: %v", err)
			return
		}
		if left := localcluster.Leftovers(context.Background(), r.Layout(), clusterBinaries()); len(left) > 0 {
			t.Errorf("left behind after down:\n  %s", strings.Join(left, "\n  "))
		}
		assertHostClean(t, dataDir)
	})
	for _, step := range []func(context.Context) error{r.EnsureBinaries, r.ClusterUp} {
		if err := step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	key, err := r.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.Clients()
	if err != nil {
		t.Fatal(err)
	}
	// The chart grants the operator a Role in each watched namespace, so they exist first.
	for _, ns := range teamNamespaces {
		if err := c.Ctrl.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.InstallOperator(ctx, key, append([]string{e2eNamespace}, teamNamespaces...)...); err != nil {
		t.Fatal(err)
	}
	return r, c
}

// eventually polls check every two seconds until it passes or readyTimeout ends the
// test; diagnose adds what the operator and the cluster say to the failure.
func eventually(t *testing.T, what string, check func() error, diagnose func() string) {
	t.Helper()
	testenv.Eventually(t, what, testenv.Poll{Limit: readyTimeout, Interval: 2 * time.Second, Diagnose: diagnose}, check)
}

// flinkClient is a REST client for a deployment's JobManager through its rest Service,
// which the host reaches directly.
func flinkClient(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName) *flinkrest.Client {
	t.Helper()
	fl, err := restClient(ctx, c, key)
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

// restClient is flinkClient for a caller that retries: the rest Service is Flink's, and
// goes and comes back with the JobManager.
func restClient(ctx context.Context, c *app.Clients, key types.NamespacedName) (*flinkrest.Client, error) {
	url, err := c.UIURL(ctx, key)
	if err != nil {
		return nil, err
	}
	return flinkrest.New(url)
}
