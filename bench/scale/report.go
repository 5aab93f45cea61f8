package main

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

type report struct {
	n                        int
	steady, window           time.Duration
	objects                  []time.Duration
	lateApp                  time.Duration
	rssIdle, rssSteady       int64
	rssPeak                  atomic.Int64
	cpuSteady, cpuTotal      float64
	reqPerAppMin             float64
	ageP50, ageMax, ageCount float64
	unreachable              float64
	load                     string
}

// Targets.
const (
	targetObjects   = 60 * time.Second
	targetRSS       = 150 << 20
	targetReqPerMin = 2.0
	targetLateApp   = 5 * time.Second
	targetAge       = 60 * time.Second
)

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(q*float64(len(d))+0.999999) - 1
	i = max(0, min(i, len(d)-1))
	return d[i]
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func (r *report) print(w io.Writer) {
	ok := func(ratio float64) string {
		if ratio <= 1 {
			return "ok"
		}
		return "OVER"
	}
	row := func(what, got, limit string, ratio float64) {
		fmt.Fprintf(w, "%-44s %14s %14s %7.2f  %s\n", what, got, limit, ratio, ok(ratio))
	}
	info := func(what, got string) { fmt.Fprintf(w, "%-44s %14s\n", what, got) }
	sec := func(d time.Duration) string { return d.Round(10 * time.Millisecond).String() }
	fmt.Fprintf(w, "\nweir bench-scale: N=%d, steady window %s, load average at the end %s\n", r.n, r.window.Round(time.Second), r.load)
	fmt.Fprintf(w, "%-44s %14s %14s %7s\n", "figure", "measured", "target", "ratio")
	p50, p99, mx := quantile(r.objects, 0.5), quantile(r.objects, 0.99), quantile(r.objects, 1)
	info("app objects ready, p50", sec(p50))
	info("app objects ready, p99", sec(p99))
	row("app objects ready, max (every app)", sec(mx), "<= "+targetObjects.String(), mx.Seconds()/targetObjects.Seconds())
	row("new app's objects while N are polled", sec(r.lateApp), "<= "+targetLateApp.String(), r.lateApp.Seconds()/targetLateApp.Seconds())
	info("operator RSS, idle", mib(r.rssIdle))
	info("operator RSS, peak", mib(r.rssPeak.Load()))
	row("operator RSS, steady", mib(r.rssSteady), "<= "+mib(targetRSS), float64(r.rssSteady)/targetRSS)
	row("API requests per app per minute, steady", fmt.Sprintf("%.3f", r.reqPerAppMin), fmt.Sprintf("<= %.0f", targetReqPerMin), r.reqPerAppMin/targetReqPerMin)
	info("operator CPU, steady window", fmt.Sprintf("%.1f s (%.2f cores)", r.cpuSteady, r.cpuSteady/r.window.Seconds()))
	info("operator CPU, whole run", fmt.Sprintf("%.1f s", r.cpuTotal))
	info("observation age, p50", fmt.Sprintf("%.1f s", r.ageP50))
	row("observation age, max (every app)", fmt.Sprintf("%.1f s", r.ageMax), "<= "+targetAge.String(), r.ageMax/targetAge.Seconds())
	info("apps observed / JobManagers unreachable", fmt.Sprintf("%.0f / %.0f", r.ageCount, r.unreachable))
}
