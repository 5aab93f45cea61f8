package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAppVerbSaysWhatToDoWithoutAnAPIServer: a verb against a cluster that does not answer
// ends with where to look (app.NextStep), through the command tree as the binary runs it.
func TestAppVerbSaysWhatToDoWithoutAnAPIServer(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	conf := `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: gone, user: u}}]
current-context: c
`
	if err := os.WriteFile(kc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	root := NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"app", "--kubeconfig", kc, "status", "orders"})
	err := root.Execute()
	if err == nil || !strings.Contains(err.Error(), "weir local status") || !strings.Contains(err.Error(), "--kubeconfig") {
		t.Fatalf("status against a cluster that is not there: %v", err)
	}
}
