package dev.weir.audiences;

import java.io.Serializable;
import java.util.TreeMap;

/**
 * Deterministic event generation: event number {@code seq} is a pure function of (seed, seq),
 * so any range can be regenerated anywhere. The Go audit (internal/audit/generator.go)
 * implements the same algorithm; both are pinned by testdata/events-seed42.jsonl.
 *
 * <p>Algorithm: h = mix(seed + G*(seq+1)); r_k = mix(h + G*(k+1)), with G the 64-bit golden
 * ratio and mix the splitmix64 finalizer; all arithmetic is modulo 2^64 and "r mod n" is unsigned.
 */
public final class EventGenerator implements Serializable {
    private static final long serialVersionUID = 1L;

    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    static final String[] PLANS = {"free", "pro", "enterprise"};
    static final String[] COUNTRIES = {"US", "DE", "FR", "BR", "JP"};
    static final String[] SOURCES = {"web", "ios", "android"};

    private final long seed;
    private final long users;
    private final long baseTs;
    private final long spacingMs;

    public EventGenerator(long seed, long users, long baseTs, long spacingMs) {
        if (users <= 0) throw new IllegalArgumentException("users must be > 0, got " + users);
        if (spacingMs < 0) throw new IllegalArgumentException("spacing-ms must be >= 0, got " + spacingMs);
        this.seed = seed;
        this.users = users;
        this.baseTs = baseTs;
        this.spacingMs = spacingMs;
    }

    /** splitmix64 finalizer. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Per-event fingerprint term; the sum over a user's events proves which seqs were counted. */
    public static long fingerprint(long seq) {
        return mix(seq * GOLDEN + 0x632BE59BD9B4E019L);
    }

    static long mod(long r, long n) {
        return Long.remainderUnsigned(r, n);
    }

    public Event generate(long seq) {
        long h = mix(seed + GOLDEN * (seq + 1));
        long r0 = mix(h + GOLDEN);
        long r1 = mix(h + GOLDEN * 2);
        long r2 = mix(h + GOLDEN * 3);
        long r3 = mix(h + GOLDEN * 4);
        long r4 = mix(h + GOLDEN * 5);

        String userId = "u" + mod(r0, users);
        long ts = baseTs + seq * spacingMs + (spacingMs > 0 ? mod(r2, spacingMs) : 0);
        long kind = mod(r1, 100);
        TreeMap<String, String> props = new TreeMap<>();
        if (kind < 10) {
            props.put("plan", PLANS[(int) mod(r3, PLANS.length)]);
            props.put("country", COUNTRIES[(int) mod(r4, COUNTRIES.length)]);
            return new Event(seq, userId, "identify", "Identify", ts, props);
        }
        String name;
        if (kind < 50) {
            name = "Page Viewed";
        } else if (kind < 75) {
            name = "Product Viewed";
            props.put("sku", "sku-" + mod(r4, 500));
        } else if (kind < 87) {
            name = "Added To Cart";
        } else if (kind < 92) {
            name = "Order Completed";
            props.put("revenue", Long.toString(mod(r4, 50000)));
        } else {
            name = "Signed In";
        }
        props.put("source", SOURCES[(int) mod(r3, SOURCES.length)]);
        return new Event(seq, userId, "track", name, ts, props);
    }
}
