package webhook_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/operator"
	"weir.dev/weir/internal/testenv"
	"weir.dev/weir/internal/webhook"
)

// The suite runs a real etcd and kube-apiserver and the operator's manager, built by
// operator.NewManager as the binary builds it, with the webhook on 127.0.0.1. The
// ValidatingWebhookConfiguration is registered without caBundle, as the chart does: the
// API server reaches the webhook only once the operator has made its certificate and
// filled the caBundle. failurePolicy is Fail here, so that a webhook that is not reached
// fails the tests instead of admitting everything.
var (
	env     *envtest.Environment
	k8s     client.Client
	cfg     *rest.Config
	store   *opconfig.Store
	whOpts  webhook.Options
	confDir string                     // the operator config's directory
	skipKey = "weir.test/skip-webhook" // objects so labelled bypass the webhook (reconciler comparison)
)

const (
	defaultsNamespace = "wh-defaults" // has state directories from the operator config
	opNamespace       = "weir-system"
	configName        = "weir-test-webhook"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // unit tests only; the integration tests skip themselves
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run `make envtest-assets` and point it at bin/weir local envtest-assets")
		return 1
	}
	level := zapcore.WarnLevel
	if os.Getenv("WEIR_TEST_VERBOSE") != "" {
		level = zapcore.DebugLevel
	}
	logf.SetLogger(zap.New(zap.Level(level)))
	env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	var err error
	if cfg, err = env.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting etcd + kube-apiserver:", err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer func() {
		if confDir != "" {
			os.RemoveAll(confDir)
		}
	}()
	if err := setUp(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func setUp(ctx context.Context) error {
	var err error
	if k8s, err = client.New(cfg, client.Options{Scheme: operator.NewScheme()}); err != nil {
		return err
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: opNamespace}}); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	if err := k8s.Create(ctx, webhookConfiguration(port)); err != nil {
		return err
	}
	// The operator config gives one namespace state directories, as a platform team would.
	if confDir, err = os.MkdirTemp("", "weir-webhook-conf-"); err != nil {
		return err
	}
	conf := opconfig.NamespaceDefaults + defaultsNamespace + ".state.checkpoints.dir: file:///tmp/ck\n" +
		opconfig.NamespaceDefaults + defaultsNamespace + ".state.savepoints.dir: file:///tmp/sp\n"
	if err := os.WriteFile(filepath.Join(confDir, opconfig.FileFlinkConf), []byte(conf), 0o600); err != nil {
		return err
	}
	if store, err = opconfig.NewStore(confDir); err != nil {
		return err
	}
	whOpts = webhook.Options{Port: port, Host: "127.0.0.1", Namespace: opNamespace,
		SecretName: "weir-operator-webhook-cert", ConfigName: configName, ServiceName: "weir-operator-webhook", Hosts: []string{"127.0.0.1"}}
	mgr, err := operator.NewManager(cfg, operator.Options{MetricsAddr: "0", ProbeAddr: "0", Config: store, Webhook: whOpts})
	if err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return waitForWebhook(ctx)
}

// webhookConfiguration is the chart's configuration, pointed at 127.0.0.1 and with Fail.
func webhookConfiguration(port int) *admissionregistrationv1.ValidatingWebhookConfiguration {
	url := "https://127.0.0.1:" + strconv.Itoa(port) + webhook.Path
	fail, none := admissionregistrationv1.Fail, admissionregistrationv1.SideEffectClassNone
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: configName},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "validate.flink.apache.org",
			AdmissionReviewVersions: []string{"v1"},
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: skipKey, Operator: metav1.LabelSelectorOpDoesNotExist},
			}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{APIGroups: []string{"flink.apache.org"}, APIVersions: []string{"v1beta1"},
					Resources: []string{"flinkdeployments", "flinksessionjobs", "flinkstatesnapshots"}},
			}},
		}},
	}
}

// waitForWebhook waits until the operator filled the caBundle and the API server reaches
// the webhook (a dry-run create of a bad deployment is denied by it).
func waitForWebhook(ctx context.Context) error {
	err := testenv.Poll{Limit: 2 * time.Minute, Ctx: ctx}.Wait(func() error {
		obj := inNamespace(mustObject(deploymentYAML("probe", "parallelism: 0")), "default")
		err := k8s.Create(ctx, obj, client.DryRunAll)
		switch {
		case isWebhookDenial(err):
			return nil
		case err == nil:
			return errors.New("a bad FlinkDeployment was admitted")
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("the webhook was not reached: %w", err)
	}
	return nil
}

// needCluster skips an integration test in -short mode.
func needCluster(t *testing.T) {
	t.Helper()
	if k8s == nil {
		t.Skip("integration test: needs the API server (not in -short mode)")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
