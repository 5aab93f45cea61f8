package dev.weir.audiences;

import java.util.TreeMap;

/**
 * One track or identify event; a Flink POJO (public fields, no-arg constructor). Properties are
 * two parallel arrays sorted by key rather than a Map so that Flink serializes events with its
 * own POJO and array serializers instead of falling back to Kryo on every network hop.
 */
public class Event {
    public long seq;
    public String userId;
    public String type;
    public String event;
    public long ts;
    /** Property names, sorted (canonical JSON); propValues[i] belongs to propKeys[i]. */
    public String[] propKeys;
    public String[] propValues;

    public Event() {}

    public Event(long seq, String userId, String type, String event, long ts, TreeMap<String, String> properties) {
        this.seq = seq;
        this.userId = userId;
        this.type = type;
        this.event = event;
        this.ts = ts;
        this.propKeys = properties.keySet().toArray(new String[0]);
        this.propValues = properties.values().toArray(new String[0]);
    }

    /** Canonical JSON line, byte-identical to the Go generator's (internal/audit). */
    public String toJson() {
        StringBuilder b = new StringBuilder(160);
        b.append("{\"seq\":").append(seq);
        b.append(",\"userId\":");
        Json.str(b, userId);
        b.append(",\"type\":");
        Json.str(b, type);
        b.append(",\"event\":");
        Json.str(b, event);
        b.append(",\"ts\":").append(ts);
        b.append(",\"properties\":");
        b.append('{');
        for (int i = 0; i < propKeys.length; i++) {
            if (i > 0) b.append(',');
            Json.str(b, propKeys[i]);
            b.append(':');
            Json.str(b, propValues[i]);
        }
        b.append('}');
        return b.append('}').toString();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
