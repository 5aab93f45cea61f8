package dev.weir.audiences;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Pins the generator to the vectors that the Go audit also checks (internal/audit/generator_test.go). */
class GeneratorGoldenTest {
    private static void check(String file, EventGenerator g) throws Exception {
        List<String> want = Files.readAllLines(Paths.get("testdata", file), StandardCharsets.UTF_8);
        for (int seq = 0; seq < want.size(); seq++) {
            assertEquals(want.get(seq), g.generate(seq).toJson(), file + " event " + seq);
        }
    }

    @Test
    void matchesGoldenSeed42() throws Exception {
        check("events-seed42.jsonl", new EventGenerator(42, 50, 1_767_225_600_000L, 3000));
    }

    @Test
    void matchesGoldenNegativeSeedNoSpacing() throws Exception {
        check("events-seed-7-nospacing.jsonl", new EventGenerator(-7, 3, 0, 0));
    }

    @Test
    void mixKnownValue() {
        assertEquals(0xE220A8397B1DCDAFL, EventGenerator.mix(EventGenerator.GOLDEN));
    }
}
