package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"weir.dev/weir/internal/hostfs"
)

// EnsurePKI creates the CAs, leaf certificates and service-account key that are
// missing; existing files are kept so a restart keeps its identity.
func EnsurePKI(l Layout, now time.Time) error {
	if err := os.MkdirAll(filepath.Dir(l.PKI("x")), 0o700); err != nil {
		return err
	}
	cas := map[string]*KeyPair{}
	for _, name := range []string{"ca", "front-proxy-ca"} {
		ca, err := loadOrCreate(l, name, func() (*KeyPair, error) { return NewCA("weir-local-"+name, now) })
		if err != nil {
			return err
		}
		cas[name] = ca
	}
	for _, spec := range CertSpecs() {
		ca := cas[spec.CA]
		if _, err := loadOrCreate(l, spec.File, func() (*KeyPair, error) { return ca.Sign(spec, now) }); err != nil {
			return err
		}
	}
	if !exists(l.PKI("sa.key")) {
		priv, pub, err := NewServiceAccountKey()
		if err != nil {
			return err
		}
		if err := writeFileAtomic(l.PKI("sa.pub"), pub, 0o644); err != nil {
			return err
		}
		if err := writeFileAtomic(l.PKI("sa.key"), priv, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// LoadKeyPair reads pki/<name>.crt and pki/<name>.key.
func LoadKeyPair(l Layout, name string) (*KeyPair, error) {
	c, err := os.ReadFile(l.PKI(name + ".crt"))
	if err != nil {
		return nil, err
	}
	k, err := os.ReadFile(l.PKI(name + ".key"))
	if err != nil {
		return nil, err
	}
	kp, err := ParseKeyPair(c, k)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (delete %s to regenerate)", l.PKI(name+".crt"), err, filepath.Dir(l.PKI(name)))
	}
	return kp, nil
}

func loadOrCreate(l Layout, name string, create func() (*KeyPair, error)) (*KeyPair, error) {
	if exists(l.PKI(name+".crt")) && exists(l.PKI(name+".key")) {
		return LoadKeyPair(l, name)
	}
	kp, err := create()
	if err != nil {
		return nil, fmt.Errorf("create %s certificate: %w", name, err)
	}
	if err := writeFileAtomic(l.PKI(name+".key"), kp.KeyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(l.PKI(name+".crt"), kp.CertPEM, 0o644); err != nil {
		return nil, err
	}
	return kp, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// writeFileAtomic writes via a temp file so a crash never leaves half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	return hostfs.WriteAtomic(path, func(tmp string) error { return os.WriteFile(tmp, data, mode) })
}

// writeIfChanged writes data only when it differs, reporting whether it did.
func writeIfChanged(path string, data []byte, mode os.FileMode) (bool, error) {
	if cur, err := os.ReadFile(path); err == nil && string(cur) == string(data) {
		return false, nil
	}
	return true, writeFileAtomic(path, data, mode)
}
