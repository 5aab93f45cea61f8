package lifecycle

import (
	"sort"
	"time"

	"weir.dev/weir/api/v1beta1"
)

// HistoryLimits cap status.jobStatus.savepointInfo.savepointHistory (FKO's keys).
type HistoryLimits struct {
	MaxCount int           // kubernetes.operator.savepoint.history.max.count (10)
	MaxAge   time.Duration // kubernetes.operator.savepoint.history.max.age (24h)
	// Dispose says whether savepoints dropped from the history are also deleted from
	// storage (kubernetes.operator.savepoint.cleanup.enabled, default true).
	Dispose bool
}

// DefaultHistoryLimits are FKO's defaults.
func DefaultHistoryLimits() HistoryLimits {
	return HistoryLimits{MaxCount: 10, MaxAge: 24 * time.Hour, Dispose: true}
}

// PruneSavepointHistory splits a savepoint history into the entries to keep (oldest first)
// and those to drop. The newest savepoint is always kept whatever its age: it may be the
// only state to restore from; so is the one at inUse (jobStatus.upgradeSavepointPath, which
// the next deployment restores). Dropped entries are to be disposed when l.Dispose is set.
func PruneSavepointHistory(history []v1beta1.Savepoint, inUse string, now time.Time, l HistoryLimits) (keep, drop []v1beta1.Savepoint) {
	if len(history) == 0 {
		return nil, nil
	}
	sorted := append([]v1beta1.Savepoint(nil), history...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].TimeStamp < sorted[j].TimeStamp })
	newest := len(sorted) - 1
	maxCount := max(l.MaxCount, 1)
	for i, sp := range sorted {
		tooMany := newest-i >= maxCount
		tooOld := l.MaxAge > 0 && now.Sub(time.UnixMilli(sp.TimeStamp)) > l.MaxAge
		if i != newest && (tooMany || tooOld) && (inUse == "" || sp.Location != inUse) {
			drop = append(drop, sp)
			continue
		}
		keep = append(keep, sp)
	}
	return keep, drop
}
