package flinkconf

import (
	"fmt"
	"strconv"

	"weir.dev/weir/api/v1beta1"
)

// WithStart returns a copy of c set up for how the job starts: from the snapshot at
// restorePath (none when empty, which also removes any restore path the user configured,
// as FKO does) and with a fixed job id when jobID is not empty.
func WithStart(c Conf, version v1beta1.FlinkVersion, restorePath string, allowNonRestored bool, jobID string) (Conf, error) {
	ver, err := Lookup(version)
	if err != nil {
		return nil, err
	}
	out := c.Clone()
	for _, k := range Aliases(RestorePath) {
		delete(out, k)
	}
	if restorePath != "" {
		out[ver.Key(RestorePath)] = restorePath
		if allowNonRestored {
			for _, k := range Aliases(RestoreIgnoreUnclaimed) {
				delete(out, k)
			}
			out[ver.Key(RestoreIgnoreUnclaimed)] = strconv.FormatBool(true)
		}
	}
	if jobID != "" {
		if !ValidJobID(jobID) {
			return nil, fmt.Errorf("job id %q is not 32 hexadecimal characters", jobID)
		}
		out[KeyFixedJobID] = jobID
	}
	return out, nil
}

// ValidJobID says whether s is a Flink JobID (32 hex characters).
func ValidJobID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') && (r < 'A' || r > 'F') {
			return false
		}
	}
	return true
}
