package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"weir.dev/weir/internal/s3local"
)

// sharedFiles counts the incremental checkpoints' shared files among keys:
// <prefix>/<entropy>/checkpoints/<job>/shared/<file>.
func sharedFiles(keys []string, prefix string) int {
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + fmt.Sprintf(`/[0-9A-Za-z]{%d}/checkpoints/[0-9a-f]{32}/shared/[^/]+$`, entropyLength))
	n := 0
	for _, k := range keys {
		if re.MatchString(k) {
			n++
		}
	}
	return n
}

// markerPlacement checks where entropy went in a listing of the job's state: the marker
// itself is in no key (Flink replaces it in data files' paths and removes it from the rest),
// and every _metadata file is at a path without entropy, under checkpoints/ or savepoints/.
func markerPlacement(keys []string, prefix string) error {
	meta := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `/(checkpoints/[0-9a-f]{32}/chk-\d+|savepoints/savepoint-[^/]+)/_metadata$`)
	for _, k := range keys {
		if strings.Contains(k, entropyKey) {
			return fmt.Errorf("the entropy marker is left in the key %s", k)
		}
		if strings.HasSuffix(k, "/_metadata") && !meta.MatchString(k) {
			return fmt.Errorf("_metadata at %s, not at a path without entropy", k)
		}
	}
	return nil
}

// savepointDirs are the savepoint directories (keys without the trailing slash) in keys.
func savepointDirs(keys []string, prefix string) []string {
	seen := map[string]bool{}
	for _, k := range keys {
		rest, ok := strings.CutPrefix(k, prefix+"/savepoints/")
		if !ok {
			continue
		}
		if dir, _, found := strings.Cut(rest, "/"); found {
			seen[prefix+"/savepoints/"+dir] = true
		}
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// observeBucket lists the job's state in the bucket, checks where the entropy went and
// records what the run has shown so far (checkpoints come and go: only the latest is kept,
// and a finished job's are discarded), with the savepoints the app reports.
func (l *lifecycleRun) observeBucket() {
	l.t.Helper()
	keys, err := l.job.stateKeys(l.ctx)
	if err != nil {
		l.t.Fatal(err)
	}
	p := l.job.prefix()
	if err := markerPlacement(keys, p); err != nil {
		l.t.Error(err)
	}
	lay := s3local.ReadCheckpointLayout(keys, p, entropyLength)
	for _, e := range lay.EntropyPrefixes {
		l.entropy[e] = true
	}
	l.listings++
	l.maxData = max(l.maxData, lay.DataFiles)
	l.maxShared = max(l.maxShared, sharedFiles(keys, p))
	l.metadata = max(l.metadata, len(lay.Metadata))
	js := l.get().Status.JobStatus
	locations := []string{js.UpgradeSavepointPath}
	if js.SavepointInfo != nil {
		for _, sp := range js.SavepointInfo.SavepointHistory {
			locations = append(locations, sp.Location)
		}
	}
	for _, loc := range locations {
		if loc == "" {
			continue
		}
		key, err := stateKey(loc)
		if err != nil {
			l.t.Error(err)
			continue
		}
		l.savepoints[key] = true
	}
	l.t.Logf("state bucket: %d objects, %d checkpoint data files (%d shared) under %d entropy prefixes %v, %d completed checkpoint _metadata, savepoints %v",
		len(keys), lay.DataFiles, sharedFiles(keys, p), len(lay.EntropyPrefixes), lay.EntropyPrefixes, len(lay.Metadata), savepointDirs(keys, p))
}

// bucketLayout is the run's account of the state bucket: checkpoint data spread over
// several entropy prefixes, _metadata without entropy (checked at every listing), and the
// savepoints the operator disposed of (a deleted FlinkStateSnapshot, the history pruned to
// kubernetes.operator.savepoint.history.max.count) gone from the bucket.
func (l *lifecycleRun) bucketLayout() {
	l.observeBucket()
	if len(l.entropy) < 2 {
		l.t.Errorf("checkpoint data files went under %d distinct entropy prefixes over the run, want at least 2", len(l.entropy))
	}
	if l.metadata == 0 {
		l.t.Error("no listing showed a completed checkpoint's _metadata")
	}
	js := l.get().Status.JobStatus
	keep := map[string]bool{}
	if js.UpgradeSavepointPath != "" {
		if k, err := stateKey(js.UpgradeSavepointPath); err == nil {
			keep[k] = true
		}
	}
	if js.SavepointInfo != nil {
		for _, sp := range js.SavepointInfo.SavepointHistory {
			if k, err := stateKey(sp.Location); err == nil {
				keep[k] = true
			}
		}
	}
	var gone []string
	for k := range l.savepoints {
		if !keep[k] {
			gone = append(gone, k)
		}
	}
	pruned := len(gone)
	for k := range l.disposed {
		gone = append(gone, k)
	}
	sort.Strings(gone)
	if len(l.savepoints) > 2 && pruned == 0 {
		l.t.Errorf("the app reported %d savepoints over the run and kept all of them in a history capped at 2", len(l.savepoints))
	}
	var present []string
	l.eventually("pruned and disposed savepoints gone from the bucket", func() error {
		keys, err := l.job.stateKeys(l.ctx)
		if err != nil {
			return err
		}
		present = savepointDirs(keys, l.job.prefix())
		for _, g := range gone {
			if slices.Contains(present, g) {
				return fmt.Errorf("savepoint %s is still in the bucket (kept: %v)", g, keep)
			}
		}
		return nil
	})
	for _, d := range present {
		if !keep[d] && !l.savepoints[d] {
			l.t.Logf("savepoint %s is in the bucket but was never reported by the app", d)
		}
	}
	l.t.Logf("over %d listings: checkpoint data files under %d distinct entropy prefixes (at most %d data files, %d of them shared, at once); savepoints reported %d, kept %d, pruned %d, FlinkStateSnapshot disposed %d, in the bucket now %d %v",
		l.listings, len(l.entropy), l.maxData, l.maxShared, len(l.savepoints), len(keep), pruned, len(l.disposed), len(present), present)
}
