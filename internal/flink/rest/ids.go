package rest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// isHex32 reports whether s is a Flink 32-digit lowercase hex id (JobID, TriggerId, ...).
func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// ValidateJobID returns an error naming the bad id, so a typo fails before any request.
func ValidateJobID(id string) error {
	if !isHex32(id) {
		return fmt.Errorf("flink job id %q is not 32 lowercase hex digits", id)
	}
	return nil
}

// NewTriggerID returns a random trigger id. Passing one to a trigger call makes the call
// idempotent: Flink acknowledges a repeated trigger with the same id without starting a
// second operation, so it is safe to retry.
func NewTriggerID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // since Go 1.24 it never returns an error
	return hex.EncodeToString(b[:])
}

func jobPath(jobID string, rest ...string) (string, error) {
	if err := ValidateJobID(jobID); err != nil {
		return "", err
	}
	p := "/jobs/" + jobID
	for _, r := range rest {
		p += "/" + r
	}
	return p, nil
}

func validateTriggerID(id string) error {
	if !isHex32(id) {
		return fmt.Errorf("flink trigger id %q is not 32 lowercase hex digits", id)
	}
	return nil
}

// escapeJarID refuses ids that would change the URL's shape; Flink jar ids are file names
// like "<uuid>_name.jar".
func escapeJarID(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, "/\\") || id == "." || id == ".." {
		return "", fmt.Errorf("flink jar id %q is not a plain file name as returned by /jars/upload", id)
	}
	return url.PathEscape(id), nil
}
