package dev.weir.audiences;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Computes traits and audience membership per user in event-time order.
 *
 * <p>Events are buffered per user and applied when the watermark passes the end of their
 * event-time bucket, sorted by (ts, seq). This makes the enter/exit history a deterministic
 * function of the input (the audit recomputes it exactly) while costing one list append and one
 * de-duplicated timer per event, instead of a window operator per trait. After each bucket the
 * user's trait snapshot is emitted (at most once per snapshot interval, and at the end of input);
 * the final snapshot carries count and fingerprint, which prove
 * that each event was counted exactly once.
 */
public class TraitsFunction extends KeyedProcessFunction<String, Event, String> {
    private static final long serialVersionUID = 1L;
    private static final Comparator<Event> EVENT_TIME_ORDER =
            Comparator.<Event>comparingLong(e -> e.ts).thenComparingLong(e -> e.seq);

    private final Rules rules;
    private final long bucketMs;
    private final long snapshotIntervalMs;
    /** The traits' queryable-state name, or null (see QueryTraits). */
    private final String queryableName;

    private transient ValueState<UserTraits> traitsState;
    private transient ListState<Event> pendingState;

    public TraitsFunction(Rules rules, long bucketMs, long snapshotIntervalMs, String queryableName) {
        if (bucketMs <= 0) throw new IllegalArgumentException("bucket-ms must be > 0, got " + bucketMs);
        this.rules = rules;
        this.bucketMs = bucketMs;
        this.snapshotIntervalMs = snapshotIntervalMs;
        this.queryableName = queryableName;
    }

    @Override
    public void open(Configuration parameters) {
        ValueStateDescriptor<UserTraits> traits = traitsDescriptor();
        if (queryableName != null) {
            // Served by the TaskManagers' queryable-state proxy (Flink 1.x; removed in 2.0).
            traits.setQueryable(queryableName);
        }
        traitsState = getRuntimeContext().getState(traits);
        pendingState = getRuntimeContext().getListState(
                new ListStateDescriptor<>("pending", TypeInformation.of(Event.class)));
    }

    /** The per-user traits state; QueryTraits reads it with the same descriptor. */
    static ValueStateDescriptor<UserTraits> traitsDescriptor() {
        return new ValueStateDescriptor<>("traits", new UserTraitsSerializer());
    }

    private long bucketEnd(long ts) {
        return Math.floorDiv(ts, bucketMs) * bucketMs + bucketMs - 1;
    }

    @Override
    public void processElement(Event e, Context ctx, Collector<String> out) throws Exception {
        if (e.ts <= ctx.timerService().currentWatermark()) {
            // Behind the watermark (only after rescaling restores): count it now, never drop it.
            UserTraits t = traits();
            t.late++;
            applyAndEvaluate(t, e, ctx.getCurrentKey(), out);
            traitsState.update(t);
            ctx.timerService().registerEventTimeTimer(ctx.timerService().currentWatermark() + 1);
            return;
        }
        pendingState.add(e);
        ctx.timerService().registerEventTimeTimer(bucketEnd(e.ts));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) throws Exception {
        List<Event> ready = new ArrayList<>();
        List<Event> later = new ArrayList<>();
        Iterable<Event> pending = pendingState.get();
        if (pending != null) {
            for (Event e : pending) {
                (e.ts <= timestamp ? ready : later).add(e);
            }
        }
        UserTraits t = traits();
        String user = ctx.getCurrentKey();
        ready.sort(EVENT_TIME_ORDER);
        for (Event e : ready) applyAndEvaluate(t, e, user, out);
        if (later.isEmpty()) {
            pendingState.clear();
        } else if (!ready.isEmpty()) {
            pendingState.update(later);
        }
        // Snapshot at most once per snapshot interval of event time, and always at the end of
        // input (watermark MAX), so that every user's final state is committed.
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        if (t.count > 0 && t.count != t.snapshotCount) {
            if (endOfInput || timestamp - t.snapshotAt >= snapshotIntervalMs) {
                t.snapshotCount = t.count;
                t.snapshotAt = timestamp;
                out.collect(t.snapshotJson(user));
            } else {
                // Skipped for the interval: make sure the end of input still snapshots this
                // user, whose last bucket may end long before the input does (a timer at
                // Long.MAX_VALUE fires only with the final watermark; Flink keeps one per key).
                ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            }
        }
        traitsState.update(t);
    }

    private UserTraits traits() throws Exception {
        UserTraits t = traitsState.value();
        return t == null ? new UserTraits() : t;
    }

    private void applyAndEvaluate(UserTraits t, Event e, String user, Collector<String> out) {
        t.apply(e);
        for (Rules.Rule r : rules.rules) {
            boolean now = r.matches(t);
            boolean was = t.audiences.contains(r.name);
            if (now == was) continue;
            if (now) {
                t.audiences.add(r.name);
            } else {
                t.audiences.remove(r.name);
            }
            out.collect(UserTraits.changeJson(user, r.name, now, t.count, e));
        }
    }
}
