package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// renewCheck is how often the keeper looks at the Secret and the configuration again: to
// renew a certificate before it ends, to take up one another replica renewed, and to
// write the caBundle again should something (a re-applied manifest) have cleared it.
const renewCheck = 5 * time.Minute

// retryAfter is the first pause after a failed attempt (API server not reachable yet, a
// conflict with another replica); it doubles up to renewCheck while attempts fail.
const retryAfter = 5 * time.Second

// CertKeeper serves the webhook's certificate from memory and keeps it: it creates or
// renews the CA and serving certificate in a Secret of the operator's namespace, shared by
// restarts and replicas, and writes the CA into the caBundle of the
// ValidatingWebhookConfiguration. It runs on every replica, leader or not, since the
// webhook Service sends requests to any of them.
type CertKeeper struct {
	Reader client.Reader // reads the Secret and the configuration uncached
	Client client.Client
	Opts   Options
	Log    logr.Logger

	current atomic.Pointer[tls.Certificate]
}

// GetCertificate is the tls.Config hook of the webhook server.
func (k *CertKeeper) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if c := k.current.Load(); c != nil {
		return c, nil
	}
	return nil, errors.New("the webhook's certificate is not loaded yet")
}

// Ready is a readiness check: the pod takes webhook requests once it has a certificate.
func (k *CertKeeper) Ready(*http.Request) error {
	_, err := k.GetCertificate(nil)
	return err
}

// NeedLeaderElection is false: every replica serves the webhook.
func (k *CertKeeper) NeedLeaderElection() bool { return false }

// Start keeps the certificate until ctx ends.
func (k *CertKeeper) Start(ctx context.Context) error {
	backoff := retryAfter
	for {
		wait := renewCheck
		if err := k.Ensure(ctx); err != nil {
			k.Log.Error(err, "Webhook certificate or caBundle not ready; retrying", "secret", k.Opts.Namespace+"/"+k.Opts.SecretName, "in", backoff.String())
			wait, backoff = backoff, min(2*backoff, renewCheck)
		} else {
			backoff = retryAfter
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// Ensure makes the Secret hold a fresh bundle for the webhook's hosts, serves it, and
// writes its CA into the webhook configuration.
func (k *CertKeeper) Ensure(ctx context.Context) error {
	b, err := k.ensureSecret(ctx)
	if err != nil {
		return err
	}
	pair, err := tls.X509KeyPair(b.Cert, b.Key)
	if err != nil {
		return fmt.Errorf("webhook Secret %s: %w", k.Opts.SecretName, err)
	}
	k.current.Store(&pair)
	return k.injectCABundle(ctx, b.CACert)
}

func (k *CertKeeper) ensureSecret(ctx context.Context) (Bundle, error) {
	key := client.ObjectKey{Namespace: k.Opts.Namespace, Name: k.Opts.SecretName}
	hosts := k.Opts.hosts()
	now := time.Now()
	sec := &corev1.Secret{}
	err := k.Reader.Get(ctx, key, sec)
	if apierrors.IsNotFound(err) {
		b, err := NewBundle(Bundle{}, hosts, now)
		if err != nil {
			return Bundle{}, err
		}
		sec = &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name,
				Labels: map[string]string{"app.kubernetes.io/name": "weir-operator", "app.kubernetes.io/component": "webhook"}},
			Type: corev1.SecretTypeTLS,
			Data: b.data(),
		}
		if err := k.Client.Create(ctx, sec); err != nil {
			// Another replica created it first: take up its bundle on the next try.
			return Bundle{}, fmt.Errorf("while creating the webhook Secret %s: %w", key, err)
		}
		k.Log.Info("Created the webhook's CA and serving certificate", "secret", key.String())
		return b, nil
	}
	if err != nil {
		return Bundle{}, fmt.Errorf("while reading the webhook Secret %s: %w", key, err)
	}
	b := bundleOf(sec.Data)
	why := b.Fresh(hosts, now)
	if why == nil {
		return b, nil
	}
	nb, err := NewBundle(b, hosts, now)
	if err != nil {
		return Bundle{}, err
	}
	sec.Data = nb.data()
	if err := k.Client.Update(ctx, sec); err != nil { // resourceVersion guards against another replica
		return Bundle{}, fmt.Errorf("while renewing the webhook Secret %s: %w", key, err)
	}
	k.Log.Info("Renewed the webhook's serving certificate", "secret", key.String(), "reason", why.Error(), "newCA", !bytes.Equal(nb.CACert, b.CACert))
	return nb, nil
}

// injectCABundle writes ca into every webhook of the configuration that lacks it.
func (k *CertKeeper) injectCABundle(ctx context.Context, ca []byte) error {
	if k.Opts.ConfigName == "" {
		return nil
	}
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := k.Reader.Get(ctx, client.ObjectKey{Name: k.Opts.ConfigName}, cfg); err != nil {
		return fmt.Errorf("while reading ValidatingWebhookConfiguration %s: %w", k.Opts.ConfigName, err)
	}
	orig := cfg.DeepCopy()
	changed := false
	for i := range cfg.Webhooks {
		if !bytes.Equal(cfg.Webhooks[i].ClientConfig.CABundle, ca) {
			cfg.Webhooks[i].ClientConfig.CABundle = ca
			changed = true
		}
	}
	if !changed {
		return nil
	}
	if err := k.Client.Patch(ctx, cfg, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("while writing the caBundle of ValidatingWebhookConfiguration %s: %w", k.Opts.ConfigName, err)
	}
	k.Log.Info("Wrote the webhook CA into the caBundle", "validatingWebhookConfiguration", k.Opts.ConfigName)
	return nil
}
