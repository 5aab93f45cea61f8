package dev.weir.audiences;

import java.util.Map;
import java.util.TreeMap;

/** One track or identify event; a Flink POJO (public fields, no-arg constructor). */
public class Event {
    public long seq;
    public String userId;
    public String type;
    public String event;
    public long ts;
    /** Sorted so that JSON output is canonical. */
    public TreeMap<String, String> properties;

    public Event() {}

    public Event(long seq, String userId, String type, String event, long ts, TreeMap<String, String> properties) {
        this.seq = seq;
        this.userId = userId;
        this.type = type;
        this.event = event;
        this.ts = ts;
        this.properties = properties;
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
        Json.map(b, properties);
        return b.append('}').toString();
    }

    @Override
    public String toString() {
        return toJson();
    }

    static Map<String, String> empty() {
        return new TreeMap<>();
    }
}
