package validation

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"weir.dev/weir/internal/lifecycle"
)

// MaxSpecBytes bounds a spec's JSON. The status keeps up to two copies of the spec
// (lastReconciledSpec and lastStableSpec) next to the spec itself, and etcd refuses an
// object over ~1.5 MiB: a larger spec could never be recorded, so weir would retry forever.
const MaxSpecBytes = 256 << 10

// checkSpecSize refuses a spec whose JSON is larger than MaxSpecBytes.
func checkSpecSize(p *problems, spec any) {
	b, err := json.Marshal(spec)
	if err == nil && len(b) > MaxSpecBytes {
		p.add("the spec is %d KiB of JSON, more than weir's limit of %d KiB: the status keeps copies of it and Kubernetes refuses objects over about 1.5 MiB; move large values (log configuration, pod templates) into ConfigMaps or the image",
			(len(b)+1023)/1024, MaxSpecBytes>>10)
	}
}

// checkImage refuses an image that is not a valid reference ("flink:1.20 " with a trailing
// space, upper case letters, …), which would otherwise fail only when pods are pulled.
func checkImage(p *problems, field, image string) {
	if image == "" {
		return
	}
	if strings.TrimSpace(image) != image {
		p.add("%s %q has leading or trailing whitespace; write it as %q", field, image, strings.TrimSpace(image))
		return
	}
	if _, err := name.ParseReference(image, name.WeakValidation); err != nil {
		p.add("%s %q is not a valid image reference (e.g. flink:1.20 or registry.example.com/team/flink:1.20): %s", field, image, err.Error())
	}
}

// checkpointIntervalKeys are the names of Flink's checkpoint interval, which weir reads to
// know whether a job checkpoints.
var checkpointIntervalKeys = []string{"execution.checkpointing.interval", "execution.checkpointing.checkpointing-interval"}

// checkDurations refuses durations weir reads (the operator's kubernetes.operator.* options
// and the checkpoint interval) that cannot be parsed, rather than failing later.
func checkDurations(p *problems, field string, c map[string]string) {
	if _, err := lifecycle.DefaultOptions().WithConfig(c); err != nil {
		p.add("%s %s", field, err.Error())
	}
	for _, k := range checkpointIntervalKeys {
		if v, ok := c[k]; ok && !flinkDuration(v) {
			p.add("%s %s %q is not a duration Flink reads; write a whole number with a unit, e.g. \"10s\", \"5 min\" or \"1h\"", field, k, v)
		}
	}
}

// flinkDuration says whether Flink's TimeUtils reads s: a whole number and an optional unit
// (a bare number is milliseconds).
func flinkDuration(s string) bool {
	t := strings.ToLower(strings.TrimSpace(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || i > 18 {
		return false
	}
	switch strings.TrimSpace(t[i:]) {
	case "", "ns", "nano", "nanos", "nanosecond", "nanoseconds",
		"µs", "us", "micro", "micros", "microsecond", "microseconds",
		"ms", "milli", "millis", "millisecond", "milliseconds",
		"s", "sec", "secs", "second", "seconds",
		"m", "min", "mins", "minute", "minutes",
		"h", "hour", "hours",
		"d", "day", "days":
		return true
	}
	return false
}

// localJarHost explains local://opt/... (two slashes make "opt" a host and drop it from
// the path) with the URI the user meant.
func localJarHost(field, uri, host, path string) string {
	return fmt.Sprintf("%s %q reads %q as a host, so the jar path would be %q: write three slashes, %s",
		field, uri, host, path, strings.Replace(uri, "://", ":///", 1))
}
