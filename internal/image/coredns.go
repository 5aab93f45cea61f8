package image

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// CoreDNSImageRef is the image name of the local cluster's DNS for version.
func CoreDNSImageRef(version string) string { return "localhost/weir/coredns:" + version }

// BuildCoreDNSImage packs the built coredns binary as a one-layer image
// (/coredns as entrypoint) under <cacheRoot>/images, keyed by the binary's hash.
func BuildCoreDNSImage(cacheRoot, binary, version string) (string, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return "", fmt.Errorf("read coredns binary: %w (run `weir local build-binaries coredns`)", err)
	}
	sum := sha256.Sum256(data)
	out := filepath.Join(cacheRoot, "images", "coredns-"+version+"-"+hex.EncodeToString(sum[:6])+".tar")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := WriteStaticBinaryImage(out, CoreDNSImageRef(version), "coredns", data); err != nil {
		return "", fmt.Errorf("pack coredns image: %w", err)
	}
	return out, nil
}
