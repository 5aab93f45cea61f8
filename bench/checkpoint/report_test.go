package checkpoint

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

const mib = 1 << 20

func report(w io.Writer, big, small rawPut, results []result, total time.Duration) {
	fmt.Fprintf(w, "\nweir bench-checkpoint: Flink %s, RocksDB (incremental enabled), parallelism 2 on one TaskManager;\n", flinkLine)
	fmt.Fprintf(w, "versitygw on the local disk behind a counting proxy; %d B values, %.0f%% of the keys rewritten per second after the fill.\n\n", valueBytes, churnFraction*100)
	fmt.Fprintf(w, "limit, raw PUT (aws-sdk-go-v2): %d × %d MiB, %d parallel: %.1f MiB/s, %.1f req/s; %d × %d KiB, %d parallel: %.0f req/s\n\n",
		big.objects, big.size/mib, big.workers, big.bytesPerSec()/mib, big.reqPerSec(),
		small.objects, small.size>>10, small.workers, small.reqPerSec())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\tstate MiB\tsnapshot\tFlink size MiB\tsent MiB\tduration s\tMiB/s\t× PUT limit\trequests\twrites\treq/s\t× req limit\t")
	for _, r := range results {
		secs := r.duration.Seconds()
		rate := float64(r.d.sent) / secs
		reqs := float64(r.d.requests()) / secs
		size := r.checkpointedSize
		if size == 0 {
			size = r.stateSize
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%.1f\t%.2f\t%.1f\t%.2f\t%d\t%d\t%.1f\t%.3f\t\n",
			r.name, r.mb, r.kind, float64(size)/mib, float64(r.d.sent)/mib, secs,
			rate/mib, rate/big.bytesPerSec(), r.d.requests(), r.d.writes(), reqs, reqs/small.reqPerSec())
	}
	tw.Flush()
	fmt.Fprintf(w, "\nFlink size: checkpointed size (the delta for incremental); sent: request bodies through the proxy.\n")
	fmt.Fprintf(w, "duration: Flink's end-to-end duration for checkpoints; trigger to job stopped for stop-with-savepoint.\n")
	fmt.Fprintf(w, "total run time %s\n", total.Round(time.Second))
}
