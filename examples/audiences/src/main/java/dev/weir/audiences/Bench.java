package dev.weir.audiences;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Throughput benchmark on an in-process Flink cluster: the same generated events through
 * (a) a trivial stateless map (baseline), (b) the audiences job with a discarding sink and
 * (c) the full job with the exactly-once file sink and checkpointing. Prints events/s, events/s
 * per core (per parallel subtask slot) and the ratio to the baseline.
 *
 * <p>Usage: Bench [--events N] [--users N] [--parallelism N] [--warmup-events N] [--work DIR]
 */
public final class Bench {
    private Bench() {}

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /** Events per wall-clock second and per CPU-second of this JVM (robust to other load on the host). */
    record Result(double perSecond, double perCpuSecond) {}

    private static Result run(String label, JobOptions o, int parallelism) throws Exception {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        AudiencesJob.build(env, o);
        long cpu0 = OS.getProcessCpuTime();
        long t0 = System.nanoTime();
        env.execute("bench " + label);
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpuSecs = (OS.getProcessCpuTime() - cpu0) / 1e9;
        Result r = new Result(o.events / secs, o.events / cpuSecs);
        if (label != null) {
            System.out.printf("  %-28s %,11d events: wall %6.2fs = %,10.0f events/s (%,9.0f per slot); cpu %6.2fs = %,10.0f events per cpu-second%n",
                    label, o.events, secs, r.perSecond, r.perSecond / parallelism, cpuSecs, r.perCpuSecond);
        }
        return r;
    }

    private static Path work;

    private static JobOptions opts(long events, long users, String pipeline, String sink, String output, long ckMs) {
        JobOptions o = new JobOptions();
        o.events = events;
        o.users = users;
        o.pipeline = pipeline;
        o.sink = sink;
        o.output = output;
        o.checkpointIntervalMs = ckMs;
        o.checkpointDir = work.resolve("checkpoints").toUri().toString();
        o.validate();
        return o;
    }

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        long events = p.getLong("events", 2_000_000);
        long users = p.getLong("users", 10_000);
        long warmup = p.getLong("warmup-events", 200_000);
        int par = p.getInt("parallelism", Runtime.getRuntime().availableProcessors());
        long ckMs = p.getLong("checkpoint-interval-ms", 10_000);
        work = Files.createTempDirectory(p.has("work") ? Path.of(p.get("work")) : Path.of(System.getProperty("java.io.tmpdir")), "bench-");

        System.out.printf("audiences benchmark: in-process Flink, parallelism %d on %d cores, Java %s%n",
                par, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        System.out.printf("  config: events=%d users=%d spacing-ms=3000 bucket-ms=86400000 rules=%d default rules, "
                + "state backend hashmap, checkpoint interval %dms (file sink run only), warmup %d events per pipeline%n",
                events, users, Rules.parse(Rules.DEFAULT).rules.size(), ckMs, warmup);

        // Warm up the JIT on every pipeline so that the measured runs compare steady states.
        run(null, opts(warmup, users, "baseline", "discard", null, 0), par);
        run(null, opts(warmup, users, "audiences", "discard", null, 0), par);

        Result base = run("baseline (stateless map)", opts(events, users, "baseline", "discard", null, 0), par);
        Result job = run("audiences, discard sink", opts(events, users, "audiences", "discard", null, 0), par);
        Result full = run("audiences, file sink + ckpt", opts(events, users, "audiences", "file",
                work.resolve("out").toString(), ckMs), par);
        System.out.printf("RESULT audiences job (exactly-once file sink): %,.0f events per core-second "
                        + "(cpu time of the whole JVM: JobManager, TaskManager, generator, GC), %.2fx of the stateless "
                        + "baseline's %,.0f; job without the sink %,.0f (%.2fx); wall clock %,.0f events/s on %d slots "
                        + "(load average %.1f)%n",
                full.perCpuSecond, full.perCpuSecond / base.perCpuSecond, base.perCpuSecond,
                job.perCpuSecond, job.perCpuSecond / base.perCpuSecond, full.perSecond, par,
                OS.getSystemLoadAverage());
    }
}
