package dev.weir.audiences;

import java.util.Collection;
import java.util.Map;

/** Minimal JSON writing helpers; output must match the Go side byte for byte. */
final class Json {
    private Json() {}

    static void str(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    /** Writes a string map; callers pass sorted maps (TreeMap) for canonical output. */
    static void map(StringBuilder b, Map<String, String> m) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (!first) b.append(',');
            first = false;
            str(b, e.getKey());
            b.append(':');
            str(b, e.getValue());
        }
        b.append('}');
    }

    static void longMap(StringBuilder b, Map<String, Long> m) {
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, Long> e : m.entrySet()) {
            if (!first) b.append(',');
            first = false;
            str(b, e.getKey());
            b.append(':').append(e.getValue().longValue());
        }
        b.append('}');
    }

    static void strList(StringBuilder b, Collection<String> l) {
        b.append('[');
        boolean first = true;
        for (String s : l) {
            if (!first) b.append(',');
            first = false;
            str(b, s);
        }
        b.append(']');
    }
}
