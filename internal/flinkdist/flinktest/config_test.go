package flinktest

import "testing"

func TestClusterConfigLayers(t *testing.T) {
	base := map[string]string{"env.java.opts.all": "--add-opens=x", "jobmanager.rpc.address": "localhost", "rest.port": "8081"}
	c := clusterConfig(base, Ports{REST: 40001, RPC: 40002}, "/s", map[string]string{"rest.port": "40009", "state.backend.type": "rocksdb"})
	for k, want := range map[string]string{
		"env.java.opts.all":      "--add-opens=x", // kept from the distribution
		"jobmanager.rpc.address": "127.0.0.1",     // ours beat the distribution
		"jobmanager.rpc.port":    "40002",
		"rest.port":              "40009", // overrides beat ours
		"state.backend.type":     "rocksdb",
		"io.tmp.dirs":            "/s/tmp",
		"taskmanager.bind-host":  "127.0.0.1",
	} {
		if c[k] != want {
			t.Errorf("%s = %q, want %q", k, c[k], want)
		}
	}
	if base["jobmanager.rpc.address"] != "localhost" {
		t.Error("base was modified")
	}
}

func TestFreePortsAreDistinct(t *testing.T) {
	p, err := freePorts(3)
	if err != nil {
		t.Fatal(err)
	}
	if p[0] == p[1] || p[1] == p[2] || p[0] == p[2] {
		t.Fatalf("ports not distinct: %v", p)
	}
}
