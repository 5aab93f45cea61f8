package jobstate

import "testing"

func TestTerminal(t *testing.T) {
	for s, want := range map[string]bool{
		Finished: true, Failed: true, Canceled: true,
		Running: false, Restarting: false, Failing: false, Cancelling: false, Reconciling: false, "": false,
	} {
		if got := Terminal(s); got != want {
			t.Errorf("Terminal(%q) = %v, want %v", s, got, want)
		}
	}
}
