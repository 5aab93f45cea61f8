package image

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// OperatorBinaryInImage is the operator's path inside its image.
const OperatorBinaryInImage = "/weir-operator"

// nonrootUID is the operator's user: unprivileged and without a shell.
const nonrootUID = 65532

// operatorBaseFiles is the tiny base under the operator binary: users, groups and a
// writable /tmp. The CA bundle is the host's, when it has one, for talking to cloud APIs.
func operatorBaseFiles(caBundle []byte) []LayerFile {
	files := []LayerFile{
		{Path: "etc/passwd", Mode: 0o644, Data: []byte(fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", nonrootUID, nonrootUID))},
		{Path: "etc/group", Mode: 0o644, Data: []byte(fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", nonrootUID))},
	}
	if len(caBundle) > 0 {
		files = append(files, LayerFile{Path: "etc/ssl/certs/ca-certificates.crt", Mode: 0o644, Data: caBundle})
	}
	return files
}

func operatorConfig() v1.Config {
	return v1.Config{
		Env:        []string{"PATH=/", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		Entrypoint: []string{OperatorBinaryInImage},
		User:       fmt.Sprintf("%d:%d", nonrootUID, nonrootUID),
		WorkingDir: "/",
		Labels:     map[string]string{"org.opencontainers.image.title": "weir-operator", "dev.weir.built-by": "weir image build"},
	}
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// BuildOperator packs the static operator binary as localhost/weir/operator:dev: a base
// layer (users, /tmp, CA bundle) and a layer with the binary. Rebuilt only when the binary
// or the base changes.
func BuildOperator(cacheRoot, binary string, p *Progress) (Result, error) {
	binSum, err := hashFile(binary)
	if err != nil {
		return Result{}, fmt.Errorf("operator binary: %w (build it with `make build`)", err)
	}
	if err := checkStatic(binary); err != nil {
		return Result{}, err
	}
	ca, _ := os.ReadFile("/etc/ssl/certs/ca-certificates.crt")
	baseFiles := operatorBaseFiles(ca)
	var baseSum string
	for _, f := range baseFiles {
		baseSum += f.Path + hashBytes(f.Data)
	}
	baseKey := hashBytes([]byte("operator-base/1" + baseSum))[:12]
	binKey := binSum[:12]
	refs := []string{OperatorRef}
	out := filepath.Join(cacheRoot, "images", "operator-dev-"+imageKey([]string{baseKey, binKey}, refs, operatorConfig())+".tar")
	if _, err := os.Stat(out); err == nil {
		p.Logf("operator: cached %s", out)
		return Result{Path: out, Refs: refs, Cached: true}, nil
	}
	layers := filepath.Join(cacheRoot, "images", "layers")
	baseLayer := filepath.Join(layers, "operator-base-"+baseKey+".tar.gz")
	if err := ensureLayer(baseLayer, p, "operator base layer", func(lw *LayerWriter) error {
		if err := lw.AddDir("tmp", 0o1777, 0, 0); err != nil {
			return err
		}
		if err := lw.AddDir("home/nonroot", 0o755, nonrootUID, nonrootUID); err != nil {
			return err
		}
		for _, f := range baseFiles {
			if err := lw.AddFile(f); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return Result{}, err
	}
	binLayer := filepath.Join(layers, "operator-bin-"+binKey+".tar.gz")
	if err := ensureLayer(binLayer, p, "operator binary layer", func(lw *LayerWriter) error {
		data, err := os.ReadFile(binary)
		if err != nil {
			return err
		}
		return lw.AddFile(LayerFile{Path: OperatorBinaryInImage, Mode: 0o755, Data: data})
	}); err != nil {
		return Result{}, err
	}
	start := time.Now()
	if err := writeArchive(out, Spec{Refs: refs, Layers: []string{baseLayer, binLayer}, Config: operatorConfig()}); err != nil {
		return Result{}, fmt.Errorf("pack operator image: %w", err)
	}
	p.Logf("packed operator in %.1fs: %s", time.Since(start).Seconds(), out)
	pruneStale(out, "operator-dev-")
	pruneStale(binLayer, "operator-bin-")
	pruneStale(baseLayer, "operator-base-")
	return Result{Path: out, Refs: refs}, nil
}
