package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Keys of the Secret that holds the webhook's TLS: tls.crt and tls.key as in a
// kubernetes.io/tls Secret (and cert-manager's), ca.crt for the caBundle.
const (
	KeyCert   = "tls.crt"
	KeyKey    = "tls.key"
	KeyCACert = "ca.crt"
	keyCAKey  = "ca.key"
)

// Lifetimes: the CA outlives many serving certificates, so that renewing one does not
// change the caBundle the API server trusts.
const (
	caLifetime      = 10 * 365 * 24 * time.Hour
	servingLifetime = 365 * 24 * time.Hour
	// renewBefore is how long before its end a certificate is replaced.
	renewBefore = 30 * 24 * time.Hour
)

// Bundle is the webhook's TLS material, PEM-encoded as it is stored in the Secret.
type Bundle struct {
	CACert, CAKey, Cert, Key []byte
}

// bundleOf reads a bundle from Secret data.
func bundleOf(data map[string][]byte) Bundle {
	return Bundle{CACert: data[KeyCACert], CAKey: data[keyCAKey], Cert: data[KeyCert], Key: data[KeyKey]}
}

// data is the Secret data of b.
func (b Bundle) data() map[string][]byte {
	return map[string][]byte{KeyCACert: b.CACert, keyCAKey: b.CAKey, KeyCert: b.Cert, KeyKey: b.Key}
}

// Fresh says whether b can serve the hosts (DNS names or IPs) until now+renewBefore: its
// CA and serving certificate parse, match their keys, chain, and cover every host.
func (b Bundle) Fresh(hosts []string, now time.Time) error {
	ca, err := parseCert(b.CACert)
	if err != nil {
		return fmt.Errorf("CA: %w", err)
	}
	if _, err := tls.X509KeyPair(b.CACert, b.CAKey); err != nil {
		return fmt.Errorf("CA key: %w", err)
	}
	if _, err := tls.X509KeyPair(b.Cert, b.Key); err != nil {
		return fmt.Errorf("serving key: %w", err)
	}
	leaf, err := parseCert(b.Cert)
	if err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	until := now.Add(renewBefore)
	for _, c := range []*x509.Certificate{ca, leaf} {
		if now.Before(c.NotBefore) || until.After(c.NotAfter) {
			return fmt.Errorf("certificate %q is valid from %s to %s: renewing", c.Subject.CommonName, c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
		}
	}
	if err := leaf.CheckSignatureFrom(ca); err != nil {
		return fmt.Errorf("serving certificate not signed by the CA: %w", err)
	}
	for _, h := range hosts {
		if err := leaf.VerifyHostname(h); err != nil {
			return err
		}
	}
	return nil
}

// NewBundle returns a bundle for hosts. It keeps old's CA when that is still fresh, so
// that the API server's caBundle stays valid across a renewal of the serving certificate.
func NewBundle(old Bundle, hosts []string, now time.Time) (Bundle, error) {
	if len(hosts) == 0 {
		return Bundle{}, errors.New("no host names for the webhook's serving certificate")
	}
	ca, caKey := reusableCA(old, now)
	out := Bundle{}
	var err error
	if ca == nil {
		if ca, caKey, out.CACert, out.CAKey, err = newCA(now); err != nil {
			return Bundle{}, err
		}
	} else {
		out.CACert, out.CAKey = old.CACert, old.CAKey
	}
	key, keyPEM, err := newKey()
	if err != nil {
		return Bundle{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    now.Add(-time.Hour), // clock skew between replicas and the API server
		NotAfter:     now.Add(servingLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return Bundle{}, err
	}
	out.Cert, out.Key = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM
	return out, nil
}

// reusableCA returns old's CA when it parses and lives past now+renewBefore (nil if not:
// it is replaced).
func reusableCA(old Bundle, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	ca, err := parseCert(old.CACert)
	if err != nil || now.Add(renewBefore).After(ca.NotAfter) {
		return nil, nil
	}
	pair, err := tls.X509KeyPair(old.CACert, old.CAKey)
	if err != nil {
		return nil, nil
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil
	}
	return ca, key
}

func newCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, []byte, []byte, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "weir-operator webhook CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return ca, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), keyPEM, nil
}

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}

func parseCert(p []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(p)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}
