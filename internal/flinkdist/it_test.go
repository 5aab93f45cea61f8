package flinkdist

import (
	"context"
	"os"
	"testing"
)

// requireIT skips tests that download Flink and run JVMs unless WEIR_FLINK_IT=1.
func requireIT(t *testing.T) {
	t.Helper()
	if os.Getenv("WEIR_FLINK_IT") != "1" {
		t.Skip("set WEIR_FLINK_IT=1 to assemble real Flink distributions and run them")
	}
}

func TestEnsureAssemblesEveryPinnedLine(t *testing.T) {
	requireIT(t)
	for _, line := range Lines() {
		t.Run(line, func(t *testing.T) {
			home, err := Ensure(context.Background(), line)
			if err != nil {
				t.Fatal(err)
			}
			full, _ := Resolve(line)
			if err := Verify(home, full); err != nil {
				t.Fatal(err)
			}
			// A second call is a cache hit and returns the same home.
			again, err := Ensure(context.Background(), line)
			if err != nil || again != home {
				t.Fatalf("warm Ensure = %q, %v; want %q", again, err, home)
			}
		})
	}
}
