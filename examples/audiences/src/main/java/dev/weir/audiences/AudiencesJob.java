package dev.weir.audiences;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The audiences-and-traits job: deterministic events -> per-user traits and audience changes
 * -> exactly-once JSON-lines files. Run with --help-like bad options to see the usage.
 */
public final class AudiencesJob {
    private AudiencesJob() {}

    public static void main(String[] args) throws Exception {
        JobOptions o;
        try {
            o = JobOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("audiences: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, o);
        env.execute("audiences " + o.pipeline);
    }

    /** Adds the pipeline to env; split from main so the benchmark and scenario driver reuse it. */
    public static void build(StreamExecutionEnvironment env, JobOptions o) {
        if (o.parallelism > 0) env.setParallelism(o.parallelism);
        if (o.checkpointIntervalMs > 0) {
            env.enableCheckpointing(o.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
            env.getCheckpointConfig().setExternalizedCheckpointCleanup(
                    CheckpointConfig.ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION);
            if (o.checkpointDir != null) env.getCheckpointConfig().setCheckpointStorage(o.checkpointDir);
        }

        EventGenerator gen = o.generator();
        GeneratorFunction<Long, Event> fn = gen::generate;
        DataGeneratorSource<Event> source = new DataGeneratorSource<>(
                fn,
                o.events,
                o.rate > 0 ? RateLimiterStrategy.perSecond(o.rate) : RateLimiterStrategy.noOp(),
                TypeInformation.of(Event.class));
        SingleOutputStreamOperator<Event> events = env.fromSource(
                        source,
                        WatermarkStrategy.<Event>forMonotonousTimestamps().withTimestampAssigner((e, t) -> e.ts),
                        "events")
                .uid("events-source");
        // One reader per generator split: a reader given two splits after a rescale reads them
        // one after the other, and the later split's event time would run ahead of the other's.
        if (o.sourceParallelism > 0) events.setParallelism(o.sourceParallelism);

        DataStream<String> out;
        if (o.pipeline.equals("baseline")) {
            out = events.map(e -> e.userId).returns(Types.STRING).uid("baseline-map").name("baseline-map");
        } else {
            out = events.keyBy(e -> e.userId)
                    .process(new TraitsFunction(Rules.parse(o.rulesText), o.bucketMs, o.snapshotIntervalMs, o.queryableTraits))
                    .returns(Types.STRING)
                    .uid("traits")
                    .name("traits");
        }

        if (o.sink.equals("discard")) {
            out.sinkTo(new DiscardingSink<>()).uid("sink").name("discard");
            return;
        }
        FileSink<String> sink = FileSink.forRowFormat(new Path(o.output), new SimpleStringEncoder<String>("UTF-8"))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".jsonl").build())
                .build();
        out.sinkTo(sink).uid("sink").name("file-sink");
    }
}
