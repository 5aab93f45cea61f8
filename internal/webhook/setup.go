package webhook

import (
	"crypto/tls"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Options configure the webhook server and its TLS.
type Options struct {
	// Port serves the webhook over HTTPS; 0 turns the webhook off.
	Port int
	// Host is the listen address; empty listens on all.
	Host string
	// CertDir, when set, holds tls.crt and tls.key made by someone else (cert-manager),
	// reloaded when they change; the operator then manages neither the Secret nor the
	// caBundle.
	CertDir string
	// Namespace (the operator's) and SecretName: where the operator keeps the CA and
	// serving certificate it makes.
	Namespace  string
	SecretName string
	// ConfigName is the ValidatingWebhookConfiguration whose caBundle the operator fills;
	// empty leaves it alone.
	ConfigName string
	// ServiceName is the webhook's Service in Namespace, whose DNS names the serving
	// certificate covers.
	ServiceName string
	// Hosts are further DNS names or IP addresses for the certificate (tests use 127.0.0.1).
	Hosts []string
}

// Enabled says whether the operator serves the webhook.
func (o Options) Enabled() bool { return o.Port > 0 }

// hosts are the names the serving certificate must cover.
func (o Options) hosts() []string {
	var out []string
	if o.ServiceName != "" {
		svc := o.ServiceName + "." + o.Namespace + ".svc"
		out = append(out, svc, svc+".cluster.local")
	}
	return append(out, o.Hosts...)
}

func (o Options) check() error {
	if o.CertDir != "" {
		return nil
	}
	switch {
	case o.Namespace == "":
		return fmt.Errorf("the webhook needs the operator's namespace for its certificate Secret (--webhook-namespace or POD_NAMESPACE)")
	case o.SecretName == "":
		return fmt.Errorf("the webhook needs the name of its certificate Secret (--webhook-secret)")
	case len(o.hosts()) == 0:
		return fmt.Errorf("the webhook needs its Service (--webhook-service) or host names for its certificate")
	}
	return nil
}

// NewServer returns the webhook server for the manager's options, and the keeper of its
// certificate (nil when CertDir provides it). Register completes the wiring.
func NewServer(o Options) (crwebhook.Server, *CertKeeper, error) {
	if err := o.check(); err != nil {
		return nil, nil, err
	}
	so := crwebhook.Options{Host: o.Host, Port: o.Port, CertDir: o.CertDir,
		// HTTP/1.1 only, as for /metrics: HTTP/2's rapid-reset attacks need no credentials.
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	}
	var keeper *CertKeeper
	if o.CertDir == "" {
		keeper = &CertKeeper{Opts: o, Log: ctrl.Log.WithName("webhook-cert")}
		so.TLSOpts = append(so.TLSOpts, func(c *tls.Config) { c.GetCertificate = keeper.GetCertificate })
	}
	return crwebhook.NewServer(so), keeper, nil
}

// Register serves v on the manager's webhook server and starts the keeper, if any.
func Register(mgr ctrl.Manager, keeper *CertKeeper, v *Validator) error {
	if keeper != nil {
		keeper.Reader, keeper.Client = mgr.GetAPIReader(), mgr.GetClient()
		if err := mgr.Add(keeper); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("webhook-certificate", keeper.Ready); err != nil {
			return err
		}
	}
	if v.Reader == nil {
		v.Reader = mgr.GetAPIReader()
	}
	if v.Decoder == nil {
		v.Decoder = admission.NewDecoder(mgr.GetScheme())
	}
	mgr.GetWebhookServer().Register(Path, &crwebhook.Admission{Handler: v})
	return nil
}
