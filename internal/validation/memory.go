package validation

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// Flink's memory model, as its start scripts derive it from the total process size, with
// Flink's defaults; the user's own flinkConfiguration values win. A process size that leaves
// a negative remainder is refused by Flink (or, for a JobManager heap under a few MiB, by the
// JVM) before any pod could run, so weir refuses it up front. Nothing else is rejected.
type memoryPart struct {
	name, key string
	def       int64 // bytes
}

// memoryRange is a part sized as a fraction of a base, clamped to [min, max].
type memoryRange struct {
	name                    string
	minKey, maxKey, fracKey string
	defMin, defMax          int64
	defFrac                 float64
}

const mib = int64(1) << 20

// jvmMinHeap is the smallest heap a JobManager JVM starts with: Flink itself accepts any
// positive heap, but Java 17 refuses -Xmx2m ("Too small maximum heap") and starts at 3m.
const jvmMinHeap = 3 * mib

var (
	jmFixed = []memoryPart{
		{"JVM metaspace", "jobmanager.memory.jvm-metaspace.size", 256 * mib},
		{"off-heap", "jobmanager.memory.off-heap.size", 128 * mib},
	}
	jmOverhead = memoryRange{"JVM overhead", "jobmanager.memory.jvm-overhead.min", "jobmanager.memory.jvm-overhead.max",
		"jobmanager.memory.jvm-overhead.fraction", 192 * mib, 1024 * mib, 0.1}

	tmMeta  = memoryPart{"JVM metaspace", "taskmanager.memory.jvm-metaspace.size", 256 * mib}
	tmFixed = []memoryPart{
		{"framework heap", "taskmanager.memory.framework.heap.size", 128 * mib},
		{"framework off-heap", "taskmanager.memory.framework.off-heap.size", 128 * mib},
		{"task off-heap", "taskmanager.memory.task.off-heap.size", 0},
	}
	tmOverhead = memoryRange{"JVM overhead", "taskmanager.memory.jvm-overhead.min", "taskmanager.memory.jvm-overhead.max",
		"taskmanager.memory.jvm-overhead.fraction", 192 * mib, 1024 * mib, 0.1}
	tmNetwork = memoryRange{"network", "taskmanager.memory.network.min", "taskmanager.memory.network.max",
		"taskmanager.memory.network.fraction", 64 * mib, 1024 * mib, 0.1}
	tmManagedFraction = "taskmanager.memory.managed.fraction"
)

// memoryModel is what the user's configuration makes of Flink's defaults; ok is false when a
// value cannot be read (reported elsewhere, or left to Flink).
type memoryModel struct {
	c  flinkconf.Conf
	ok bool
}

func (m *memoryModel) size(p memoryPart) int64 {
	v, set := m.c[p.key]
	if !set {
		return p.def
	}
	b, err := flinkconf.ParseMemory(v)
	if err != nil {
		// ParseMemory wants a positive amount; a part may be zero ("0", "0m").
		t := strings.TrimSpace(v)
		if rest := strings.TrimLeft(t, "0"); rest != t && !strings.ContainsAny(rest, "123456789.") {
			return 0
		}
		m.ok = false
	}
	return b
}

func (m *memoryModel) fraction(key string, def float64) float64 {
	v, set := m.c[key]
	if !set {
		return def
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || f >= 1 {
		m.ok = false
	}
	return f
}

// ranged is Flink's "fraction of a base, clamped to [min, max]".
func (m *memoryModel) ranged(r memoryRange, base int64) int64 {
	lo := m.size(memoryPart{r.name, r.minKey, r.defMin})
	hi := m.size(memoryPart{r.name, r.maxKey, r.defMax})
	v := int64(float64(base) * m.fraction(r.fracKey, r.defFrac))
	return min(max(v, lo), max(hi, lo))
}

// jobManagerHeap is the JVM heap Flink derives for a JobManager of process size p.
func jobManagerHeap(m *memoryModel, p int64) int64 {
	heap := p - m.ranged(jmOverhead, p)
	for _, part := range jmFixed {
		heap -= m.size(part)
	}
	return heap
}

// taskManagerHeap is the task heap Flink derives for a TaskManager of process size p.
func taskManagerHeap(m *memoryModel, p int64) int64 {
	total := p - m.size(tmMeta) - m.ranged(tmOverhead, p)
	heap := total - m.ranged(tmNetwork, total)
	if _, set := m.c[flinkconf.KeyTMManaged]; set {
		heap -= m.size(memoryPart{"managed", flinkconf.KeyTMManaged, 0})
	} else {
		heap -= int64(float64(total) * m.fraction(tmManagedFraction, 0.4))
	}
	for _, part := range tmFixed {
		heap -= m.size(part)
	}
	return heap
}

// smallestProcess is the least process size (bytes) for which heap(p) >= least, or 0 when
// none up to 1 PiB. Every heap function here grows with p, so a bisection finds it.
func smallestProcess(m *memoryModel, heap func(*memoryModel, int64) int64, least int64) int64 {
	lo, hi := int64(0), int64(1)<<50
	if heap(m, hi) < least {
		return 0
	}
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		if heap(m, mid) >= least {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// processMemory is the process size a component will run with and the field it comes from:
// `resources` wins over `resource`, which wins over flinkConfiguration (as in Build).
func processMemory(comp string, res *v1beta1.ResourceRequirements, short *v1beta1.Resource, c flinkconf.Conf, key string) (int64, string, bool) {
	if flinkconf.HasRequirements(res) {
		for _, part := range []struct {
			name string
			l    v1beta1.ResourceList
		}{{"requests", res.Requests}, {"limits", res.Limits}} {
			if raw, ok := part.l.Get(corev1.ResourceMemory); ok {
				b, err := flinkconf.ParseMemory(raw)
				return b, fmt.Sprintf("spec.%s.resources.%s.memory %q", comp, part.name, raw), err == nil
			}
		}
		return 0, "", false
	}
	if short != nil && short.Memory != "" {
		b, err := flinkconf.ParseMemory(short.Memory)
		return b, fmt.Sprintf("spec.%s.resource.memory %q", comp, short.Memory), err == nil
	}
	if v, ok := c[key]; ok {
		b, err := flinkconf.ParseMemory(v)
		return b, fmt.Sprintf("flinkConfiguration %s %q", key, v), err == nil
	}
	return 0, "", false
}

// checkMemory refuses process sizes too small for Flink's fixed memory parts.
func checkMemory(p *problems, spec *v1beta1.FlinkDeploymentSpec, c flinkconf.Conf) {
	var jmRes, tmRes *v1beta1.ResourceRequirements
	var jmShort, tmShort *v1beta1.Resource
	if jm := spec.JobManager; jm != nil {
		jmRes, jmShort = jm.Resources, jm.Resource
	}
	if tm := spec.TaskManager; tm != nil {
		tmRes, tmShort = tm.Resources, tm.Resource
	}
	// Sizes given for the parts themselves make Flink derive the rest another way.
	if c[flinkconf.KeyJMFlinkMemory] == "" && c[flinkconf.KeyJMHeapMemory] == "" {
		if b, field, ok := processMemory("jobManager", jmRes, jmShort, c, flinkconf.KeyJMMemory); ok {
			m := &memoryModel{c: c, ok: true}
			if heap := jobManagerHeap(m, b); m.ok && heap < jvmMinHeap {
				p.add("%s is too small for a JobManager: Flink's %s leave no room for the JVM heap (at least %s); %s",
					field, partsList(m, b, jmOverhead, jmFixed...), human(jvmMinHeap), atLeast(m, jobManagerHeap, jvmMinHeap))
			}
		}
	}
	if c[flinkconf.KeyTMFlinkMemory] == "" && c[flinkconf.KeyTMTaskHeap] == "" {
		if b, field, ok := processMemory("taskManager", tmRes, tmShort, c, flinkconf.KeyTMMemory); ok {
			m := &memoryModel{c: c, ok: true}
			if heap := taskManagerHeap(m, b); m.ok && heap < 0 {
				managed := fmt.Sprintf("managed memory (%s of the rest)", formatFraction(m.fraction(tmManagedFraction, 0.4)))
				if v, set := c[flinkconf.KeyTMManaged]; set {
					managed = "managed memory " + strings.TrimSpace(v)
				}
				p.add("%s is too small for a TaskManager: Flink's %s, %s and %s exceed it; %s",
					field, partsList(m, b, tmOverhead, append([]memoryPart{tmMeta}, tmFixed...)...),
					"network memory (at least "+human(m.size(memoryPart{"", tmNetwork.minKey, tmNetwork.defMin}))+")",
					managed, atLeast(m, taskManagerHeap, 0))
			}
		}
	}
}

// partsList names the fixed parts with their sizes at process size b.
func partsList(m *memoryModel, b int64, overhead memoryRange, fixed ...memoryPart) string {
	var out []string
	for _, part := range fixed {
		out = append(out, part.name+" "+human(m.size(part)))
	}
	out = append(out, overhead.name+" "+human(m.ranged(overhead, b)))
	return strings.Join(out, ", ")
}

func atLeast(m *memoryModel, heap func(*memoryModel, int64) int64, least int64) string {
	n := smallestProcess(m, heap, least)
	if n == 0 {
		return "no process size fits these settings"
	}
	return "use at least " + flinkconf.FormatMemory((n+mib-1)/mib*mib)
}

// human prints a size for a message: Flink's syntax when whole MiB, else MiB with a decimal.
func human(b int64) string {
	switch {
	case b == 0:
		return "0"
	case b%mib == 0:
		return flinkconf.FormatMemory(b)
	}
	return strconv.FormatFloat(float64(b)/float64(mib), 'f', 1, 64) + "m"
}

func formatFraction(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}
