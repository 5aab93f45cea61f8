package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// JarFile is one jar listed by GET /jars.
type JarFile struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Uploaded int64  `json:"uploaded"`
	Entry    []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"entry"`
}

// ClaimMode says who owns the snapshot a job restores from (Flink's RecoveryClaimMode).
type ClaimMode string

// Claim modes. LEGACY exists only before Flink 2.0.
const (
	ClaimModeClaim   ClaimMode = "CLAIM"
	ClaimModeNoClaim ClaimMode = "NO_CLAIM"
	ClaimModeLegacy  ClaimMode = "LEGACY"
)

// RunJarRequest is the body of POST /jars/:id/run. Unset fields are omitted, because
// Flink rejects properties it does not know and the set differs between versions.
type RunJarRequest struct {
	EntryClass  string
	ProgramArgs []string
	// Parallelism 0 keeps the job's/cluster's default.
	Parallelism int
	// JobID fixes the job id (32 hex digits); a second run with the same id is refused by
	// Flink (see IsDuplicateJob), which is what keeps a retried submission from running twice.
	JobID                 string
	SavepointPath         string
	AllowNonRestoredState bool
	// ClaimMode is sent as "claimMode" (Flink 1.20+).
	ClaimMode ClaimMode
	// RestoreMode is the pre-1.20 name of ClaimMode, sent as "restoreMode" (removed in 2.0).
	RestoreMode ClaimMode
	// FlinkConfiguration is job-level configuration overriding the cluster's.
	FlinkConfiguration map[string]string
}

type runJarBody struct {
	EntryClass            string            `json:"entryClass,omitempty"`
	ProgramArgsList       []string          `json:"programArgsList,omitempty"`
	Parallelism           int               `json:"parallelism,omitempty"`
	JobID                 string            `json:"jobId,omitempty"`
	SavepointPath         string            `json:"savepointPath,omitempty"`
	AllowNonRestoredState bool              `json:"allowNonRestoredState,omitempty"`
	ClaimMode             ClaimMode         `json:"claimMode,omitempty"`
	RestoreMode           ClaimMode         `json:"restoreMode,omitempty"`
	FlinkConfiguration    map[string]string `json:"flinkConfiguration,omitempty"`
}

// UploadJar uploads a local jar file (POST /jars/upload) and returns its jar id.
func (c *Client) UploadJar(ctx context.Context, jarPath string) (string, error) {
	f, err := os.Open(jarPath)
	if err != nil {
		return "", fmt.Errorf("flink rest: opening jar to upload: %w", err)
	}
	defer f.Close()
	return c.UploadJarFrom(ctx, filepath.Base(jarPath), f)
}

// UploadJarFrom uploads a jar read from r under the given file name. Flink requires the
// name to end in ".jar". Uploads are not retried: each one creates a new jar id.
func (c *Client) UploadJarFrom(ctx context.Context, fileName string, r io.Reader) (string, error) {
	if !strings.HasSuffix(fileName, ".jar") || strings.ContainsAny(fileName, "/\\\"") {
		return "", fmt.Errorf("flink rest: jar file name %q must be a plain name ending in .jar", fileName)
	}
	// Stream the multipart body so a large jar is never held in memory.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	readErr := make(chan error, 1)
	go func() {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="jarfile"; filename="%s"`, fileName))
		h.Set("Content-Type", "application/x-java-archive")
		part, err := mw.CreatePart(h)
		if err == nil {
			if _, err = io.Copy(part, r); err != nil {
				err = fmt.Errorf("reading jar %s: %w", fileName, err)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		readErr <- err
		pw.CloseWithError(err) // nil closes normally
	}()
	defer pr.Close() // unblocks the writer if the request ends early
	var out struct {
		Filename string `json:"filename"`
		Status   string `json:"status"`
	}
	err := c.do(ctx, call{
		method:  http.MethodPost,
		path:    "/jars/upload",
		body:    &streamBody{contentType: mw.FormDataContentType(), r: pr},
		timeout: c.timeouts.Upload,
	}, &out)
	if err != nil {
		select {
		case rerr := <-readErr:
			if rerr != nil && !errors.Is(rerr, io.ErrClosedPipe) { // our side failed, not Flink
				return "", fmt.Errorf("flink rest: uploading %s: %w", fileName, rerr)
			}
		default:
		}
		return "", err
	}
	if out.Status != "success" || out.Filename == "" {
		return "", fmt.Errorf("flink rest POST /jars/upload: upload of %s not accepted (status %q)", fileName, out.Status)
	}
	// Flink answers with the stored path; its base name is the jar id.
	return path.Base(out.Filename), nil
}

// ListJars returns GET /jars.
func (c *Client) ListJars(ctx context.Context) ([]JarFile, error) {
	var out struct {
		Files []JarFile `json:"files"`
	}
	if err := c.get(ctx, "/jars", nil, &out); err != nil {
		return nil, err
	}
	return out.Files, nil
}

// RunJar submits a job from an uploaded jar (POST /jars/:id/run) and returns its job id.
// It is never retried automatically; on an unclear failure, look the job id up instead.
func (c *Client) RunJar(ctx context.Context, jarID string, r RunJarRequest) (string, error) {
	id, err := escapeJarID(jarID)
	if err != nil {
		return "", err
	}
	if r.JobID != "" {
		if err := ValidateJobID(r.JobID); err != nil {
			return "", err
		}
	}
	body := runJarBody{
		EntryClass:            r.EntryClass,
		ProgramArgsList:       r.ProgramArgs,
		Parallelism:           r.Parallelism,
		JobID:                 r.JobID,
		SavepointPath:         r.SavepointPath,
		AllowNonRestoredState: r.AllowNonRestoredState,
		ClaimMode:             r.ClaimMode,
		RestoreMode:           r.RestoreMode,
		FlinkConfiguration:    r.FlinkConfiguration,
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	err = c.do(ctx, call{method: http.MethodPost, path: "/jars/" + id + "/run", body: body, timeout: c.timeouts.RunJar}, &out)
	if err != nil {
		return "", err
	}
	return out.JobID, nil
}

// DeleteJar removes an uploaded jar (DELETE /jars/:id). A jar that is already gone yields
// an error for which IsNotFound is true.
func (c *Client) DeleteJar(ctx context.Context, jarID string) error {
	id, err := escapeJarID(jarID)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: http.MethodDelete, path: "/jars/" + id, idempotent: true}, nil)
}

// IsDuplicateJob reports Flink refusing a submission because a job with that id already
// exists (running or finished and still known), i.e. an earlier attempt got through.
func IsDuplicateJob(err error) bool {
	return HasMessage(err, "DuplicateJobSubmissionException") || HasMessage(err, "already been submitted")
}
