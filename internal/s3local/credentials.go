package s3local

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Credentials are the server's root key pair. Flink and the AWS tools read them from the
// standard AWS variables, so the file and the Secret use those names.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// Keys of the credentials file and of the Secret's data.
const (
	AccessKeyIDKey     = "AWS_ACCESS_KEY_ID"
	SecretAccessKeyKey = "AWS_SECRET_ACCESS_KEY"
)

// EnvFile renders c as KEY=value lines, readable by `source` and `--env-file`.
func (c Credentials) EnvFile() []byte {
	return []byte(AccessKeyIDKey + "=" + c.AccessKeyID + "\n" + SecretAccessKeyKey + "=" + c.SecretAccessKey + "\n")
}

// ParseEnvFile reads what EnvFile wrote.
func ParseEnvFile(raw []byte) (Credentials, error) {
	var c Credentials
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		switch k {
		case AccessKeyIDKey:
			c.AccessKeyID = v
		case SecretAccessKeyKey:
			c.SecretAccessKey = v
		}
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Credentials{}, fmt.Errorf("want %s and %s", AccessKeyIDKey, SecretAccessKeyKey)
	}
	return c, nil
}

// Generate makes a fresh key pair in AWS's shapes: a 20-character upper-case key id and a
// 40-character secret.
func Generate() (Credentials, error) {
	id, err := randomString(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
	if err != nil {
		return Credentials{}, err
	}
	secret, err := randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKeyID: "WEIR" + id[4:], SecretAccessKey: secret}, nil
}

// randomString draws n characters of alphabet (whose length divides 256, so no bias).
func randomString(n int, alphabet string) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// LoadOrCreate reads the credentials file at path, generating it (mode 0600) on first use
// so the key pair survives `down`/`up` and the data already in the buckets stays readable.
func LoadOrCreate(path string) (c Credentials, created bool, err error) {
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		c, err = ParseEnvFile(raw)
		if err != nil {
			return Credentials{}, false, fmt.Errorf("%s: %w (delete it to generate new credentials)", path, err)
		}
		return c, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Credentials{}, false, err
	}
	if c, err = Generate(); err != nil {
		return Credentials{}, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Credentials{}, false, err
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // a leftover from a crash may have another mode
	if err := os.WriteFile(tmp, c.EnvFile(), 0o600); err != nil {
		return Credentials{}, false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return Credentials{}, false, err
	}
	return c, true, nil
}
