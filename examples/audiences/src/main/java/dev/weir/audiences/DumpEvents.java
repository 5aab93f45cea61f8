package dev.weir.audiences;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

/**
 * Prints generated events as canonical JSON lines, for the cross-language generator test.
 * Needs no Flink classes: {@code java -cp audiences.jar dev.weir.audiences.DumpEvents --events 10}.
 */
public final class DumpEvents {
    private DumpEvents() {}

    public static void main(String[] args) throws IOException {
        long seed = 42, events = 10, users = 10_000, spacing = 3_000, base = 1_767_225_600_000L;
        try {
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) throw new IllegalArgumentException("flag " + args[i] + " needs a value");
                long v = Long.parseLong(args[i + 1]);
                switch (args[i]) {
                    case "--seed": seed = v; break;
                    case "--events": events = v; break;
                    case "--users": users = v; break;
                    case "--spacing-ms": spacing = v; break;
                    case "--base-ts": base = v; break;
                    default: throw new IllegalArgumentException("unknown flag " + args[i]);
                }
            }
            EventGenerator g = new EventGenerator(seed, users, base, spacing);
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
            for (long seq = 0; seq < events; seq++) {
                w.write(g.generate(seq).toJson());
                w.write('\n');
            }
            w.flush();
        } catch (IllegalArgumentException e) {
            System.err.println("dump-events: " + e.getMessage()
                    + "\nusage: DumpEvents [--seed N] [--events N] [--users N] [--spacing-ms MS] [--base-ts EPOCH_MS]");
            System.exit(2);
        }
    }
}
