package validation

import (
	"strings"
	"testing"
)

// memoryManifest is a valid session cluster whose sizes each case sets.
const memoryManifest = `
metadata: {name: mem, namespace: flink}
spec:
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration: {CONF}
  jobManager: {JM}
  taskManager: {TM}
`

func TestMemoryLeavesRoomForFlink(t *testing.T) {
	const okJM, okTM = "resource: {memory: 1g}", "resource: {memory: 2g}"
	cases := []struct {
		name, conf, jm, tm string
		expect             string // "" means valid
	}{
		{name: "defaults are fine", jm: okJM, tm: okTM},
		{name: "FKO basic 2048m in resources", jm: `resources: {requests: {memory: "2048m"}}`, tm: `resources: {requests: {memory: "2048m"}}`},
		{name: "examples' smallest sizes", jm: `resource: {memory: "1024m"}`, tm: `resource: {memory: "1024m"}`},
		// JobManager: metaspace 256m + overhead 192m + off-heap 128m = 576m, and a heap of 3m.
		{name: "jm 579m is the least", jm: `resource: {memory: 579m}`, tm: okTM},
		{name: "jm 578m leaves too small a heap", jm: `resource: {memory: 578m}`, tm: okTM,
			expect: `spec.jobManager.resource.memory "578m" is too small for a JobManager: Flink's JVM metaspace 256m, off-heap 128m, JVM overhead 192m leave no room for the JVM heap (at least 3m); use at least 579m`},
		{name: "jm 2 bytes", jm: `resources: {requests: {memory: "2"}}`, tm: okTM,
			expect: `spec.jobManager.resources.requests.memory "2" is too small for a JobManager`},
		{name: "jm 100m in resources limits", jm: `resources: {limits: {memory: 100m}}`, tm: okTM,
			expect: `spec.jobManager.resources.limits.memory "100m" is too small for a JobManager`},
		{name: "jm from flinkConfiguration", conf: `jobmanager.memory.process.size: 500m`, jm: "", tm: okTM,
			expect: `flinkConfiguration jobmanager.memory.process.size "500m" is too small for a JobManager`},
		{name: "jm smaller metaspace lets 400m run", conf: `jobmanager.memory.jvm-metaspace.size: 64m`, jm: `resource: {memory: 400m}`, tm: okTM},
		{name: "jm bigger overhead", conf: `jobmanager.memory.jvm-overhead.min: 1g, jobmanager.memory.jvm-overhead.max: 1g`, jm: okJM, tm: okTM,
			expect: `JVM overhead 1g leave no room for the JVM heap (at least 3m); use at least 1411m`},
		{name: "jm heap set: Flink derives otherwise", conf: `jobmanager.memory.heap.size: 64m`, jm: `resource: {memory: 500m}`, tm: okTM},
		// TaskManager: 448m of metaspace and overhead; of the rest 40% managed, network at
		// least 64m and 256m of framework memory: total Flink memory of 533⅓m, process 982m.
		{name: "tm 982m is the least", jm: okJM, tm: `resource: {memory: 982m}`},
		{name: "tm 981m is refused", jm: okJM, tm: `resource: {memory: 981m}`,
			expect: `spec.taskManager.resource.memory "981m" is too small for a TaskManager: Flink's JVM metaspace 256m, framework heap 128m, framework off-heap 128m, task off-heap 0, JVM overhead 192m, network memory (at least 64m) and managed memory (40% of the rest) exceed it; use at least 982m`},
		{name: "tm 100m", jm: okJM, tm: `resources: {requests: {memory: 100Mi}}`, expect: `spec.taskManager.resources.requests.memory "100Mi" is too small for a TaskManager`},
		{name: "tm less managed memory", conf: `taskmanager.memory.managed.fraction: "0.1"`, jm: okJM, tm: `resource: {memory: 850m}`},
		{name: "tm managed size", conf: `taskmanager.memory.managed.size: 2g`, jm: okJM, tm: okTM,
			expect: `JVM overhead 204.8m, network memory (at least 64m) and managed memory 2g exceed it; use at least 3129m`},
		{name: "tm managed zero", conf: `taskmanager.memory.managed.size: "0"`, jm: okJM, tm: `resource: {memory: 800m}`},
		{name: "tm task heap set: Flink derives otherwise", conf: `taskmanager.memory.task.heap.size: 64m, taskmanager.memory.managed.size: 64m`, jm: okJM, tm: `resource: {memory: 900m}`},
		{name: "unreadable override is left alone", conf: `taskmanager.memory.managed.fraction: lots`, jm: okJM, tm: `resource: {memory: 100m}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.NewReplacer("{CONF}", "{"+tc.conf+"}", "{JM}", "{"+tc.jm+"}", "{TM}", "{"+tc.tm+"}").Replace(memoryManifest)
			err := Deployment(decodeDeployment(t, m))
			switch {
			case tc.expect == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.expect != "" && err == nil:
				t.Fatalf("accepted, want %q", tc.expect)
			case tc.expect != "" && !strings.Contains(err.Error(), tc.expect):
				t.Fatalf("error %q\nwant it to contain %q", err.Error(), tc.expect)
			}
		})
	}
}
