package dev.weir.audiences;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.apache.flink.api.java.utils.ParameterTool;

/** Command-line options of the job, the benchmark and the scenario driver. */
public final class JobOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public String output;
    public long seed = 42;
    public long events = 1_000_000;
    public long users = 10_000;
    /** Events per second over all source subtasks; 0 = unlimited. */
    public double rate = 0;
    public long spacingMs = 3_000;
    public long baseTs = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    public long bucketMs = 86_400_000L;
    public long snapshotIntervalMs = 7 * 86_400_000L;
    public long checkpointIntervalMs = 10_000;
    public int parallelism = -1;
    /** Parallelism of the source alone (-1: the job's). Fixed, a rescale of the job leaves
     *  each generator split with its own reader, so event time stays in order per reader. */
    public int sourceParallelism = -1;
    public String rulesText = Rules.DEFAULT;
    /** "audiences" (the job) or "baseline" (source + trivial stateless map, for the benchmark). */
    public String pipeline = "audiences";
    /** "file" (exactly-once FileSink at output) or "discard". */
    public String sink = "file";
    /** Checkpoint storage directory; unset = the cluster's state.checkpoints.dir. */
    public String checkpointDir;
    /** Name under which the per-user traits are queryable (Flink 1.x); unset = not queryable. */
    public String queryableTraits;

    public static final String USAGE =
            "options: --output DIR (file sink directory, local path or s3://...)\n"
                    + "         --seed N (42) --events N (1000000) --users N (10000)\n"
                    + "         --rate EVENTS_PER_S (0 = unlimited) --spacing-ms MS (3000) --base-ts EPOCH_MS\n"
                    + "         --bucket-ms MS (86400000) --snapshot-interval-ms MS (604800000) --checkpoint-interval-ms MS (10000) --parallelism N --source-parallelism N\n"
                    + "         --checkpoint-dir URI (default: the cluster's state.checkpoints.dir)\n"
                    + "         --queryable-traits NAME (serve each user's traits as queryable state; Flink 1.x)\n"
                    + "         --rules 'name: cond AND cond; ...' | --rules-file FILE\n"
                    + "         --pipeline audiences|baseline --sink file|discard";

    public static JobOptions parse(String[] args) {
        ParameterTool p = ParameterTool.fromArgs(args);
        JobOptions o = new JobOptions();
        o.output = p.get("output", null);
        o.seed = p.getLong("seed", o.seed);
        o.events = p.getLong("events", o.events);
        o.users = p.getLong("users", o.users);
        o.rate = p.getDouble("rate", o.rate);
        o.spacingMs = p.getLong("spacing-ms", o.spacingMs);
        o.baseTs = p.getLong("base-ts", o.baseTs);
        o.bucketMs = p.getLong("bucket-ms", o.bucketMs);
        o.snapshotIntervalMs = p.getLong("snapshot-interval-ms", o.snapshotIntervalMs);
        o.checkpointIntervalMs = p.getLong("checkpoint-interval-ms", o.checkpointIntervalMs);
        o.parallelism = p.getInt("parallelism", o.parallelism);
        o.sourceParallelism = p.getInt("source-parallelism", o.sourceParallelism);
        o.pipeline = p.get("pipeline", o.pipeline);
        o.sink = p.get("sink", o.sink);
        o.checkpointDir = p.get("checkpoint-dir", null);
        o.queryableTraits = p.get("queryable-traits", null);
        if (p.has("rules-file")) {
            try {
                o.rulesText = new String(Files.readAllBytes(Paths.get(p.get("rules-file"))), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --rules-file " + p.get("rules-file") + ": " + e.getMessage());
            }
        } else if (p.has("rules")) {
            o.rulesText = p.get("rules");
        }
        o.validate();
        return o;
    }

    void validate() {
        if (events < 0) throw new IllegalArgumentException("--events must be >= 0\n" + USAGE);
        if (rate < 0) throw new IllegalArgumentException("--rate must be >= 0 (0 = unlimited)\n" + USAGE);
        if (bucketMs <= 0) throw new IllegalArgumentException("--bucket-ms must be > 0\n" + USAGE);
        if (!pipeline.equals("audiences") && !pipeline.equals("baseline")) {
            throw new IllegalArgumentException("--pipeline must be audiences or baseline\n" + USAGE);
        }
        if (!sink.equals("file") && !sink.equals("discard")) {
            throw new IllegalArgumentException("--sink must be file or discard\n" + USAGE);
        }
        if (sink.equals("file") && (output == null || output.isEmpty())) {
            throw new IllegalArgumentException("--output DIR is required with --sink file\n" + USAGE);
        }
        new EventGenerator(seed, users, baseTs, spacingMs); // validates users and spacing
        Rules.parse(rulesText);
    }

    public EventGenerator generator() {
        return new EventGenerator(seed, users, baseTs, spacingMs);
    }

    @Override
    public String toString() {
        return String.format(
                "pipeline=%s sink=%s events=%d users=%d seed=%d rate=%s spacingMs=%d bucketMs=%d snapshotIntervalMs=%d checkpointIntervalMs=%d parallelism=%d",
                pipeline, sink, events, users, seed, rate == 0 ? "unlimited" : Double.toString(rate), spacingMs,
                bucketMs, snapshotIntervalMs, checkpointIntervalMs, parallelism);
    }
}
