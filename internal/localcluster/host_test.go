package localcluster

import (
	"net"
	"strings"
	"testing"
)

func TestCheckPortsFreeNamesTheBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := Daemon{Name: "etcd", Ports: []string{ln.Addr().String()}}
	err = checkPortsFree(d)
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("want a port-in-use error naming %s, got %v", ln.Addr(), err)
	}
	ln.Close()
	if err := checkPortsFree(d); err != nil {
		t.Fatalf("free port reported busy: %v", err)
	}
}
