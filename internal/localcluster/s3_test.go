package localcluster

import (
	"strings"
	"testing"
)

func TestS3DaemonServesTheDataDirOnTheBridge(t *testing.T) {
	d := DaemonByName(Daemons(testLayout, Binaries{"versitygw": "/cache/versitygw"}), "s3")
	if d.Binary != "/cache/versitygw" {
		t.Errorf("binary %q", d.Binary)
	}
	args := strings.Join(d.Args, " ")
	if !strings.Contains(args, "--port "+BridgeIP+":29000") || !strings.HasSuffix(args, "posix "+testLayout.S3Root()) {
		t.Errorf("args %q: want the bridge port and the data dir's bucket root", args)
	}
	if !strings.HasPrefix(testLayout.S3Root(), testLayout.Root+"/") || strings.HasPrefix(testLayout.S3Credentials(), testLayout.S3Root()) {
		t.Errorf("bucket root %s must be in the data dir, credentials %s outside it", testLayout.S3Root(), testLayout.S3Credentials())
	}
	if d.Probe.URL != "http://"+BridgeIP+":29000/health" {
		t.Errorf("probe %q", d.Probe.URL)
	}
	if len(d.Env) != 0 {
		t.Error("Daemons must not carry credentials: Up adds them when it starts the server")
	}
}
