package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Snapshot is a user's trait snapshot as the job writes it.
type Snapshot struct {
	UserID      string            `json:"userId"`
	Count       int64             `json:"count"`
	Fingerprint string            `json:"fingerprint"`
	MaxSeq      int64             `json:"maxSeq"`
	FirstTs     int64             `json:"firstTs"`
	LastTs      int64             `json:"lastTs"`
	Late        int64             `json:"late"`
	Counts      map[string]int64  `json:"counts"`
	Counts7d    map[string]int64  `json:"counts7d"`
	Counts30d   map[string]int64  `json:"counts30d"`
	Props       map[string]string `json:"props"`
	Audiences   []string          `json:"audiences"`
}

// Output is everything the job committed.
type Output struct {
	Files     []string
	Snapshots []Snapshot
	Changes   []Change
	// Skipped lists uncommitted files (in-progress or pending), which the audit ignores.
	Skipped []string
}

// record is the union of both line kinds.
type record struct {
	Kind string `json:"kind"`
	Snapshot
	Audience string `json:"audience"`
	Change   string `json:"change"`
	Seq      int64  `json:"seq"`
	Ts       int64  `json:"ts"`
}

// committed reports whether a FileSink file name is a finished part file: in-progress and
// pending files are hidden (".part-…") until the checkpoint that covers them completes.
func committed(name string) bool {
	return !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_")
}

// ReadOutput reads the committed part files under dir (recursively, for bucketed layouts).
func ReadOutput(dir string) (*Output, error) {
	out, err := ListOutput(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range out.Files {
		if err := out.readFile(f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListOutput lists the committed and the skipped files under dir without reading them.
func ListOutput(dir string) (*Output, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("job output directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("job output %s is not a directory (pass the job's --output directory)", dir)
	}
	out := &Output{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		if !committed(d.Name()) {
			out.Skipped = append(out.Skipped, path)
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			out.Files = append(out.Files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing job output %s: %w", dir, err)
	}
	sort.Strings(out.Files)
	return out, nil
}

func (o *Output) readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return o.read(path, f)
}

// read adds the records of one part file, named path in errors.
func (o *Output) read(path string, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var r record
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("%s:%d: not a JSON record of the audiences job: %w", path, line, err)
		}
		switch r.Kind {
		case "snapshot":
			o.Snapshots = append(o.Snapshots, r.Snapshot)
		case "change":
			o.Changes = append(o.Changes, Change{UserID: r.UserID, Audience: r.Audience, Change: r.Change, Count: r.Count, Seq: r.Seq, Ts: r.Ts})
		default:
			return fmt.Errorf("%s:%d: unknown record kind %q (want snapshot or change)", path, line, r.Kind)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	return nil
}
