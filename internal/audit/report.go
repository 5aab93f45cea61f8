package audit

import (
	"fmt"
	"io"
)

// maxFindingsPerCheck bounds the report; the totals still count everything.
const maxFindingsPerCheck = 10

// Write prints a human-readable report.
func (r *Report) Write(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "audit of the audiences job output\n")
	fmt.Fprintf(w, "  generator: seed=%d events=%d users=%d spacing-ms=%d base-ts=%d\n", c.Seed, c.Events, c.Users, c.SpacingMs, c.BaseTs)
	fmt.Fprintf(w, "  output: %d committed files (%d uncommitted ignored), %d snapshots, %d audience changes\n", r.Files, r.SkippedFiles, r.Snapshots, r.Changes)
	if r.Prefix {
		fmt.Fprintf(w, "  running job: the committed prefix reaches %d users, whose latest snapshots count %d of %d events\n", r.Users, r.EventsCounted, r.EventsExpected)
	} else {
		fmt.Fprintf(w, "  events: %d generated, %d counted over %d users\n", r.EventsExpected, r.EventsCounted, r.Users)
	}
	fmt.Fprintf(w, "  history compared event by event for %d users (%d events arrived behind the watermark)\n", r.HistoryChecked, r.LateEvents)
	byCheck := map[string][]Finding{}
	order := []string{"exactly-once", "traits", "audiences", "output"}
	for _, f := range r.Findings {
		byCheck[f.Check] = append(byCheck[f.Check], f)
	}
	for _, name := range order {
		fs := byCheck[name]
		if len(fs) == 0 {
			fmt.Fprintf(w, "PASS %s\n", name)
			continue
		}
		fmt.Fprintf(w, "FAIL %s: %d findings\n", name, len(fs))
		for i, f := range fs {
			if i == maxFindingsPerCheck {
				fmt.Fprintf(w, "    … %d more\n", len(fs)-i)
				break
			}
			fmt.Fprintf(w, "    %s: %s\n", f.UserID, f.Detail)
		}
	}
	if r.OK() {
		fmt.Fprintf(w, "audit passed\n")
	} else {
		fmt.Fprintf(w, "audit FAILED: %d findings\n", len(r.Findings))
	}
}
