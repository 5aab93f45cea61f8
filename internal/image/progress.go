package image

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Progress prints one line per step with the time elapsed since it was created.
type Progress struct {
	Out   io.Writer
	start time.Time
}

// NewProgress starts the clock; out defaults to stderr.
func NewProgress(out io.Writer) *Progress {
	if out == nil {
		out = os.Stderr
	}
	return &Progress{Out: out, start: time.Now()}
}

// Logf prints a progress line.
func (p *Progress) Logf(format string, args ...any) {
	if p == nil {
		return
	}
	fmt.Fprintf(p.Out, "[image %6.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}
