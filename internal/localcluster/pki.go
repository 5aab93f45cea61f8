package localcluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"

	"weir.dev/weir/internal/obslocal"
)

// certValidity is long because the cluster is local and disposable; rotating
// certs would only add a failure mode.
const certValidity = 10 * 365 * 24 * time.Hour

// KeyPair is a certificate with its private key, in parsed and PEM form.
type KeyPair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// CertSpec describes one leaf certificate signed by a CA.
type CertSpec struct {
	File   string // base name under pki/, without extension
	CA     string // "ca" or "front-proxy-ca"
	CN     string
	Orgs   []string
	DNS    []string
	IPs    []net.IP
	Client bool
	Server bool
}

// CertSpecs lists every leaf certificate of the cluster.
func CertSpecs() []CertSpec {
	ips := func(s ...string) []net.IP {
		var out []net.IP
		for _, x := range s {
			out = append(out, net.ParseIP(x))
		}
		return out
	}
	return []CertSpec{
		{File: "apiserver", CA: "ca", CN: "kube-apiserver", Server: true,
			DNS: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc." + ClusterDomain},
			IPs: ips("127.0.0.1", BridgeIP, KubernetesSvc)},
		{File: "admin", CA: "ca", CN: "admin", Orgs: []string{"system:masters"}, Client: true},
		{File: "apiserver-kubelet-client", CA: "ca", CN: "apiserver-kubelet-client", Orgs: []string{"system:masters"}, Client: true},
		{File: "controller-manager", CA: "ca", CN: "system:kube-controller-manager", Client: true},
		{File: "scheduler", CA: "ca", CN: "system:kube-scheduler", Client: true},
		{File: "kube-proxy", CA: "ca", CN: "system:kube-proxy", Client: true},
		// The observability daemons' reader (obslocal's ClusterRole; used only with --with observability).
		{File: "observability", CA: "ca", CN: obslocal.ReaderUser, Client: true},
		{File: "kubelet-client", CA: "ca", CN: "system:node:" + NodeName, Orgs: []string{"system:nodes"}, Client: true},
		{File: "kubelet-serving", CA: "ca", CN: NodeName, Server: true,
			DNS: []string{NodeName, "localhost"}, IPs: ips("127.0.0.1", BridgeIP)},
		{File: "front-proxy-client", CA: "front-proxy-ca", CN: "front-proxy-client", Client: true},
		{File: ingressCert, CA: "ca", CN: ingressUser, Client: true},
	}
}

// NewCA creates a self-signed CA.
func NewCA(cn string, now time.Time) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return finish(tmpl, tmpl, key, key)
}

// Sign issues a leaf certificate for spec.
func (ca *KeyPair) Sign(spec CertSpec, now time.Time) (*KeyPair, error) {
	if !spec.Client && !spec.Server {
		return nil, fmt.Errorf("cert %s: neither client nor server", spec.File)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: spec.CN, Organization: spec.Orgs},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		DNSNames:     spec.DNS,
		IPAddresses:  spec.IPs,
	}
	if spec.Client {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	if spec.Server {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
	}
	return finish(tmpl, ca.Cert, key, ca.Key)
}

func finish(tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, signer crypto.Signer) (*KeyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &KeyPair{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// ParseKeyPair reads a PEM certificate and EC or PKCS#8 private key.
func ParseKeyPair(certPEM, keyPEM []byte) (*KeyPair, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, errors.New("no PEM private key")
	}
	var key crypto.Signer
	switch kb.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kb.Bytes)
	default:
		var k any
		k, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err == nil {
			var ok bool
			if key, ok = k.(crypto.Signer); !ok {
				err = fmt.Errorf("unsupported key type %T", k)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// NewServiceAccountKey returns an RSA key pair for signing service-account tokens.
func NewServiceAccountKey() (privPEM, pubPEM []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return big.NewInt(time.Now().UnixNano())
	}
	return n
}
