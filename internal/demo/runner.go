package demo

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/localcluster/binaries"
)

// Runner runs the steps against one local cluster and prints each with its elapsed time.
type Runner struct {
	Out      io.Writer
	DataDir  string // the local cluster's data dir
	CacheDir string // $WEIR_CACHE_DIR: binaries and image archives
	// OperatorBinary is the static weir-operator binary packed into localhost/weir/operator:dev.
	OperatorBinary string
	// FlinkLines are the Flink images to build and import, like "1.20".
	FlinkLines []string
	// OperatorConfig are flink-conf.yaml lines added to the operator config (the chart's
	// defaultConfiguration), e.g. an artifact policy that lets the e2e serve jars over http.
	OperatorConfig string
	// With are the local cluster's opt-in features (localcluster.Features), as `up --with`.
	With  []string
	start time.Time
}

// NewRunner uses the default data and cache dirs, bin/weir-operator and Flink 1.20.
func NewRunner(out io.Writer) *Runner {
	if out == nil {
		out = os.Stdout
	}
	return &Runner{
		Out: out, DataDir: localcluster.DefaultDataDir(), CacheDir: binaries.DefaultCacheDir(),
		OperatorBinary: "bin/weir-operator", FlinkLines: []string{"1.20"},
	}
}

// Layout is the cluster's data dir layout.
func (r *Runner) Layout() localcluster.Layout { return localcluster.Layout{Root: r.DataDir} }

// Kubeconfig is the cluster's admin kubeconfig.
func (r *Runner) Kubeconfig() string { return r.Layout().AdminKubeconfig() }

func (r *Runner) clusterOptions() localcluster.Options {
	return localcluster.Options{DataDir: r.DataDir, CacheDir: r.CacheDir, Out: newIndent(r.Out), With: r.With}
}

// Step runs fn between a header and a footer line carrying the step's and the total
// elapsed time; fn's note, when not empty, ends the footer.
func (r *Runner) Step(name string, fn func() (string, error)) error {
	r.startClock()
	fmt.Fprintf(r.Out, "==> %s\n", name)
	t := time.Now()
	note, err := fn()
	if err != nil {
		fmt.Fprintf(r.Out, "<== %s FAILED after %s\n", name, round(time.Since(t)))
		return fmt.Errorf("%s: %w", name, err)
	}
	if note != "" {
		note = ": " + note
	}
	fmt.Fprintf(r.Out, "<== %s done in %s [total %s]%s\n", name, round(time.Since(t)), round(time.Since(r.start)), note)
	return nil
}

// startClock starts the total elapsed time once; call it before steps run concurrently.
func (r *Runner) startClock() {
	if r.start.IsZero() {
		r.start = time.Now()
	}
}

// Elapsed is the time since the first step started.
func (r *Runner) Elapsed() time.Duration {
	if r.start.IsZero() {
		return 0
	}
	return time.Since(r.start)
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

// indent prefixes every line with two spaces so nested progress reads as part of a step.
type indent struct {
	w   io.Writer
	mu  sync.Mutex
	mid bool // inside a line: no prefix before the next byte
}

func newIndent(w io.Writer) *indent { return &indent{w: w} }

func (i *indent) Write(p []byte) (int, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	var b []byte
	for _, c := range p {
		if !i.mid {
			b = append(b, ' ', ' ')
		}
		b = append(b, c)
		i.mid = c != '\n'
	}
	if _, err := i.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
