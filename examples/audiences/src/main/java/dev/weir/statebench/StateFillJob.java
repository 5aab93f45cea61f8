package dev.weir.statebench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * A job whose keyed state has a size the caller chooses, for the checkpoint benchmark
 * (bench/checkpoint): it first writes --keys values of --value-bytes random bytes each (one
 * ValueState per key, so about keys × value-bytes of state), as fast as it can, then rewrites
 * --churn-per-second random keys each second, so incremental checkpoints have a delta. The
 * bytes are random so that RocksDB's compression does not shrink the state.
 */
public final class StateFillJob {
    private StateFillJob() {}

    public static void main(String[] args) throws Exception {
        ParameterTool p = ParameterTool.fromArgs(args);
        long keys = p.getLong("keys");
        int valueBytes = p.getInt("value-bytes", 4096);
        double churn = p.getDouble("churn-per-second", keys / 100.0);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // One source subtask: the generator's index is then a single sequence, so indexes
        // below keys are the fill and the rest are the churn.
        DataGeneratorSource<Long> source = new DataGeneratorSource<>(
                index -> index < keys ? index : Math.floorMod(mix(index), keys),
                Long.MAX_VALUE,
                new FillThenRate(keys, churn),
                Types.LONG);
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "keys")
                .setParallelism(1)
                .keyBy(k -> k)
                .process(new Fill(valueBytes))
                .name("fill")
                .sinkTo(new DiscardingSink<>());
        env.execute("state-fill " + keys + "x" + valueBytes);
    }

    /** A 64-bit finaliser (SplitMix64), so churned keys spread over the key space. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Writes fresh random bytes into the key's state for each record. */
    static final class Fill extends KeyedProcessFunction<Long, Long, Void> {
        private final int valueBytes;
        private transient ValueState<byte[]> value;

        Fill(int valueBytes) {
            this.valueBytes = valueBytes;
        }

        @Override
        public void open(OpenContext ctx) {
            value = getRuntimeContext().getState(
                    new ValueStateDescriptor<>("value", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        }

        @Override
        public void processElement(Long key, Context ctx, Collector<Void> out) throws Exception {
            byte[] b = new byte[valueBytes];
            ThreadLocalRandom.current().nextBytes(b);
            value.update(b);
        }
    }

    /** No limit for the first fill records, then perSecond records a second. */
    static final class FillThenRate implements RateLimiterStrategy {
        private final long fill;
        private final double perSecond;

        FillThenRate(long fill, double perSecond) {
            this.fill = fill;
            this.perSecond = perSecond;
        }

        @Override
        public RateLimiter createRateLimiter(int parallelism) {
            double rate = perSecond / parallelism;
            return new RateLimiter() {
                private long count;
                private long next;

                @Override
                public CompletionStage<Void> acquire() {
                    if (count++ >= fill) {
                        long now = System.nanoTime();
                        if (next == 0) {
                            next = now;
                        }
                        next += (long) (1e9 / rate);
                        if (next > now) {
                            LockSupport.parkNanos(next - now);
                        }
                    }
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    }
}
