package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestAsKubectlPlugin(t *testing.T) {
	for argv0, want := range map[string]string{"/usr/local/bin/kubectl-weir": "kubectl weir app", "bin/weir": "weir app"} {
		root := NewRoot()
		AsKubectlPlugin(root, argv0)
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{"app", "--help"})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Usage:\n  "+want+" [command]") {
			t.Errorf("%s: usage should read %q:\n%s", argv0, want, out.String())
		}
	}
}
