package dev.weir.audiences;

import java.util.HashMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per-user trait state. Every update is order-independent (min/max timestamps, last-seen values
 * by (ts, seq), day rings anchored at the newest day), so the final value does not depend on
 * arrival order; the Go reference (internal/audit/traits.go) mirrors this class.
 */
public class UserTraits {
    static final long DAY_MS = 86_400_000L;
    static final int RING_DAYS = 30;

    public long count;
    /** Sum (mod 2^64) of EventGenerator.fingerprint(seq) over counted events. */
    public long fingerprint;
    public long maxSeq = -1;
    public long firstTs = Long.MAX_VALUE;
    public long lastTs = Long.MIN_VALUE;
    /** Events that arrived behind the watermark and were applied out of event-time order. */
    public long late;
    /** Count at the last emitted snapshot, so that no two snapshots carry the same count. */
    public long snapshotCount;
    /** Timer timestamp of the last emitted snapshot. */
    public long snapshotAt = Long.MIN_VALUE / 2;
    public HashMap<String, Long> totals = new HashMap<>();
    /** Per event name: counts of the last RING_DAYS days, indexed by floorMod(day, RING_DAYS). */
    public HashMap<String, long[]> rings = new HashMap<>();
    public HashMap<String, Long> ringHeads = new HashMap<>();
    public HashMap<String, String> propValues = new HashMap<>();
    /** Per property: {ts, seq} of the event that set the value. */
    public HashMap<String, long[]> propAt = new HashMap<>();
    public TreeSet<String> audiences = new TreeSet<>();

    public UserTraits() {}

    public void apply(Event e) {
        count++;
        fingerprint += EventGenerator.fingerprint(e.seq);
        maxSeq = Math.max(maxSeq, e.seq);
        firstTs = Math.min(firstTs, e.ts);
        lastTs = Math.max(lastTs, e.ts);
        totals.merge(e.event, 1L, Long::sum);
        bumpRing(e.event, Math.floorDiv(e.ts, DAY_MS));
        for (int i = 0; i < e.propKeys.length; i++) {
            String k = e.propKeys[i];
            long[] at = propAt.get(k);
            if (at == null) {
                propAt.put(k, new long[] {e.ts, e.seq});
                propValues.put(k, e.propValues[i]);
            } else if (e.ts > at[0] || (e.ts == at[0] && e.seq > at[1])) {
                at[0] = e.ts;
                at[1] = e.seq;
                propValues.put(k, e.propValues[i]);
            }
        }
    }

    private void bumpRing(String name, long day) {
        long[] ring = rings.get(name);
        Long headBox = ringHeads.get(name);
        long head;
        if (ring == null) {
            ring = new long[RING_DAYS];
            rings.put(name, ring);
            head = day;
        } else {
            head = headBox;
        }
        if (day > head) {
            if (day - head >= RING_DAYS) {
                java.util.Arrays.fill(ring, 0);
            } else {
                for (long d = head + 1; d <= day; d++) ring[(int) Math.floorMod(d, RING_DAYS)] = 0;
            }
            head = day;
        }
        ringHeads.put(name, head);
        if (day > head - RING_DAYS) ring[(int) Math.floorMod(day, RING_DAYS)]++;
    }

    public long total(String name) {
        Long v = totals.get(name);
        return v == null ? 0 : v;
    }

    /** Events named {@code name} in the {@code days} calendar days (UTC) ending with lastTs's day. */
    public long window(String name, int days) {
        long[] ring = rings.get(name);
        if (ring == null || count == 0) return 0;
        long asOf = Math.floorDiv(lastTs, DAY_MS);
        long head = ringHeads.get(name);
        long lo = Math.max(asOf - days + 1, head - RING_DAYS + 1);
        long hi = Math.min(head, asOf);
        long sum = 0;
        for (long d = lo; d <= hi; d++) sum += ring[(int) Math.floorMod(d, RING_DAYS)];
        return sum;
    }

    public String prop(String key) {
        String v = propValues.get(key);
        return v == null ? "" : v;
    }

    /** The snapshot record the job emits; the audit keeps each user's highest-count snapshot. */
    public String snapshotJson(String userId) {
        TreeMap<String, Long> counts = new TreeMap<>(totals);
        TreeMap<String, Long> c7 = new TreeMap<>();
        TreeMap<String, Long> c30 = new TreeMap<>();
        for (String name : counts.keySet()) {
            long w7 = window(name, 7);
            long w30 = window(name, 30);
            if (w7 != 0) c7.put(name, w7);
            if (w30 != 0) c30.put(name, w30);
        }
        StringBuilder b = new StringBuilder(512);
        b.append("{\"kind\":\"snapshot\",\"userId\":");
        Json.str(b, userId);
        b.append(",\"count\":").append(count);
        b.append(",\"fingerprint\":\"");
        String hex = Long.toHexString(fingerprint);
        for (int i = hex.length(); i < 16; i++) b.append('0');
        b.append(hex).append('"');
        b.append(",\"maxSeq\":").append(maxSeq);
        b.append(",\"firstTs\":").append(firstTs);
        b.append(",\"lastTs\":").append(lastTs);
        b.append(",\"late\":").append(late);
        b.append(",\"counts\":");
        Json.longMap(b, counts);
        b.append(",\"counts7d\":");
        Json.longMap(b, c7);
        b.append(",\"counts30d\":");
        Json.longMap(b, c30);
        b.append(",\"props\":");
        Json.map(b, new TreeMap<>(propValues));
        b.append(",\"audiences\":");
        Json.strList(b, audiences);
        return b.append('}').toString();
    }

    /** An audience enter/exit record; (userId, audience, count) identifies it uniquely. */
    public static String changeJson(String userId, String audience, boolean enter, long count, Event cause) {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"kind\":\"change\",\"userId\":");
        Json.str(b, userId);
        b.append(",\"audience\":");
        Json.str(b, audience);
        b.append(",\"change\":\"").append(enter ? "enter" : "exit").append('"');
        b.append(",\"count\":").append(count);
        b.append(",\"seq\":").append(cause.seq);
        b.append(",\"ts\":").append(cause.ts);
        return b.append('}').toString();
    }
}
