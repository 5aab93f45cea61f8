package flinktest

import "strconv"

// Ports are the fixed ports a local cluster needs; everything else binds port 0.
type Ports struct{ REST, RPC int }

// clusterConfig is the configuration of a loopback-only cluster whose scratch files live
// under dir: the distribution's defaults, then ours, then overrides.
func clusterConfig(base map[string]string, p Ports, dir string, overrides map[string]string) map[string]string {
	c := map[string]string{}
	for k, v := range base {
		c[k] = v
	}
	for k, v := range map[string]string{
		"jobmanager.rpc.address":                "127.0.0.1",
		"jobmanager.rpc.port":                   strconv.Itoa(p.RPC),
		"jobmanager.bind-host":                  "127.0.0.1",
		"rest.address":                          "127.0.0.1",
		"rest.bind-address":                     "127.0.0.1",
		"rest.port":                             strconv.Itoa(p.REST),
		"taskmanager.host":                      "127.0.0.1",
		"taskmanager.bind-host":                 "127.0.0.1",
		"taskmanager.numberOfTaskSlots":         "2",
		"parallelism.default":                   "1",
		"jobmanager.memory.process.size":        "1024m",
		"taskmanager.memory.process.size":       "1280m",
		"blob.server.port":                      "0",
		"taskmanager.rpc.port":                  "0",
		"taskmanager.data.port":                 "0",
		"metrics.internal.query-service.port":   "0",
		"io.tmp.dirs":                           dir + "/tmp",
		"web.tmpdir":                            dir + "/web",
		"blob.storage.directory":                dir + "/blob",
		"execution.checkpointing.dir":           "file://" + dir + "/checkpoints",
		"execution.checkpointing.savepoint-dir": "file://" + dir + "/savepoints",
		"state.checkpoints.dir":                 "file://" + dir + "/checkpoints",
		"state.savepoints.dir":                  "file://" + dir + "/savepoints",
	} {
		c[k] = v
	}
	for k, v := range overrides {
		c[k] = v
	}
	return c
}
