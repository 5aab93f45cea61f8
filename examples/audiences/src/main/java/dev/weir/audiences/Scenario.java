package dev.weir.audiences;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the job on an in-process Flink cluster (real JobManager, TaskManager, checkpoints and file
 * sink) through a disruptive lifecycle while events flow: stop-with-savepoint and resume, a
 * TaskManager kill with automatic recovery from the last checkpoint, a cancel and a resubmission
 * from the retained checkpoint, then runs to the end of input. The caller audits --output after.
 *
 * <p>Usage: Scenario --output DIR --work DIR [job options, e.g. --events 300000 --rate 20000].
 */
public final class Scenario {
    private static final long START = System.nanoTime();

    private final MiniCluster cluster;
    private final JobOptions options;
    private final List<String> steps = new ArrayList<>();

    private Scenario(MiniCluster cluster, JobOptions options) {
        this.cluster = cluster;
        this.options = options;
    }

    static void log(String fmt, Object... args) {
        System.out.printf("[scenario %6.1fs] %s%n", (System.nanoTime() - START) / 1e9, String.format(fmt, args));
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        if (!p.has("work")) {
            System.err.println("scenario: --work DIR is required (checkpoints and savepoints go there)\n" + JobOptions.USAGE);
            System.exit(2);
        }
        JobOptions o;
        try {
            o = JobOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("scenario: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.parallelism <= 0) o.parallelism = 2;
        if (o.checkpointIntervalMs <= 0) o.checkpointIntervalMs = 2000;
        Path work = Paths.get(p.get("work")).toAbsolutePath();
        Files.createDirectories(work);
        long pauseMs = p.getLong("pause-ms", 3000);

        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, work.resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, work.resolve("savepoints").toUri().toString());
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, "0");
        MiniClusterConfiguration mcc = new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(o.parallelism)
                .build();
        log("starting in-process Flink cluster; job: %s", o);
        try (MiniCluster cluster = new MiniCluster(mcc)) {
            cluster.start();
            new Scenario(cluster, o).run(work, pauseMs);
        }
        log("done");
        System.exit(0);
    }

    private JobID submit(String restorePath) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AudiencesJob.build(env, options);
        JobGraph jg = env.getStreamGraph().getJobGraph();
        if (restorePath != null) jg.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restorePath, false));
        JobID id = cluster.submitJob(jg).get(60, TimeUnit.SECONDS).getJobID();
        log("submitted job %s%s", id, restorePath == null ? "" : " restoring " + restorePath);
        return id;
    }

    /** Triggers a checkpoint, retrying while tasks are still being deployed. */
    private String checkpoint(JobID id) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 60; attempt++) {
            try {
                return cluster.triggerCheckpoint(id).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                last = e;
                failIfEnded(id);
                Thread.sleep(500);
            }
        }
        throw new IllegalStateException("no checkpoint of job " + id + " completed", last);
    }

    /** Surfaces the job's own failure instead of a later "job not found". */
    private void failIfEnded(JobID id) throws Exception {
        JobResult r;
        try {
            r = cluster.requestJobResult(id).get(100, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException stillRunning) {
            return;
        }
        throw new IllegalStateException("job " + id + " ended early: " + r.getApplicationStatus(),
                r.getSerializedThrowable().map(t -> t.deserializeError(getClass().getClassLoader())).orElse(null));
    }

    private void ensureRunning(JobID id) throws Exception {
        JobStatus s = cluster.getJobStatus(id).get(30, TimeUnit.SECONDS);
        if (s != JobStatus.RUNNING) {
            throw new IllegalStateException("job " + id + " is " + s + " before the scenario finished its steps; "
                    + "use more --events or a lower --rate so that events keep flowing");
        }
    }

    /** The newest completed checkpoint or savepoint of a job that has stopped. */
    private String latestRetained(JobID id) throws Exception {
        ArchivedExecutionGraph g = cluster.getArchivedExecutionGraph(id).get(30, TimeUnit.SECONDS);
        CheckpointStatsSnapshot stats = g.getCheckpointStatsSnapshot();
        AbstractCheckpointStats best = null;
        for (AbstractCheckpointStats c : new AbstractCheckpointStats[] {
                stats.getHistory().getLatestCompletedCheckpoint(), stats.getHistory().getLatestSavepoint()}) {
            if (c != null && (best == null || c.getCheckpointId() > best.getCheckpointId())) best = c;
        }
        if (best == null) throw new IllegalStateException("job " + id + " has no completed checkpoint to resume from");
        return ((org.apache.flink.runtime.checkpoint.CompletedCheckpointStats) best).getExternalPath();
    }

    private void run(Path work, long pauseMs) throws Exception {
        // 1. Start fresh, let events flow past a checkpoint, stop with a savepoint, resume.
        JobID job = submit(null);
        checkpoint(job);
        Thread.sleep(pauseMs);
        ensureRunning(job);
        String sp = cluster.stopWithSavepoint(job, work.resolve("savepoints").toUri().toString(), false,
                SavepointFormatType.CANONICAL).get(120, TimeUnit.SECONDS);
        log("step 1: stopped with savepoint %s", sp);
        steps.add("stop-with-savepoint+resume");
        job = submit(sp);

        // 2. Kill the TaskManager between checkpoints; Flink restarts the job from the last checkpoint.
        checkpoint(job);
        Thread.sleep(pauseMs);
        ensureRunning(job);
        cluster.terminateTaskManager(0).get(60, TimeUnit.SECONDS);
        log("step 2: TaskManager killed; starting a replacement");
        cluster.startTaskManager();
        steps.add("taskmanager-kill");

        // 3. Cancel (the last checkpoint is retained) and resubmit from it, as after losing the JobManager.
        String cp = checkpoint(job);
        log("step 3: job recovered and checkpointed again (%s)", cp);
        Thread.sleep(pauseMs);
        ensureRunning(job);
        cluster.cancelJob(job).get(60, TimeUnit.SECONDS);
        waitTerminal(job);
        String retained = latestRetained(job);
        log("step 3: cancelled; resubmitting from retained checkpoint %s", retained);
        steps.add("cancel+restore-from-checkpoint");
        job = submit(retained);

        // 4. Run to the end of input; the final checkpoint commits the last part files.
        JobResult r = cluster.requestJobResult(job).get(30, TimeUnit.MINUTES);
        if (!r.isSuccess()) {
            throw new IllegalStateException("job " + job + " did not finish: " + r.getApplicationStatus(),
                    r.getSerializedThrowable().map(t -> (Throwable) t).orElse(null));
        }
        steps.add("finish");
        log("step 4: job finished; steps: %s", String.join(", ", steps));
    }

    private void waitTerminal(JobID id) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (cluster.getJobStatus(id).get(30, TimeUnit.SECONDS).isGloballyTerminalState()) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("job " + id + " did not stop within 60s of being cancelled");
    }
}
