package audit

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// ListObjects sorts the keys of an object store listing under prefix (the job's --output,
// e.g. s3a://bucket/<prefix>) as ListOutput sorts a directory: a key is committed when no
// part of its path below prefix is hidden. On S3 the FileSink's in-progress data is an
// unfinished multipart upload, which no listing shows; what it parks under "_" names
// (a small part kept for recovery) is skipped.
func ListObjects(prefix string, keys []string) *Output {
	prefix = strings.TrimSuffix(prefix, "/") + "/"
	out := &Output{}
	for _, k := range keys {
		rel, ok := strings.CutPrefix(k, prefix)
		if !ok || rel == "" || strings.HasSuffix(rel, "/") {
			continue
		}
		if hidden(rel) {
			out.Skipped = append(out.Skipped, k)
			continue
		}
		out.Files = append(out.Files, k)
	}
	sort.Strings(out.Files)
	return out
}

func hidden(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if !committed(part) {
			return true
		}
	}
	return false
}

// ReadObjects reads the committed objects among keys (ListObjects) through open, which
// streams one object, as ReadOutput reads a directory.
func ReadObjects(prefix string, keys []string, open func(key string) (io.ReadCloser, error)) (*Output, error) {
	out := ListObjects(prefix, keys)
	for _, k := range out.Files {
		r, err := open(k)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", k, err)
		}
		err = out.read(k, r)
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
