package dev.weir.audiences;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class UserTraitsSerializerTest {
    private static UserTraits sample() {
        EventGenerator g = new EventGenerator(5, 1, 1_767_225_600_000L, 3_600_000L);
        UserTraits t = new UserTraits();
        for (long seq = 0; seq < 2000; seq++) t.apply(g.generate(seq));
        t.audiences.add("engaged_7d");
        t.late = 3;
        t.snapshotCount = 1999;
        t.snapshotAt = 123;
        return t;
    }

    @Test
    void roundTripAndCopyPreserveEverything() throws IOException {
        UserTraits t = sample();
        UserTraitsSerializer s = new UserTraitsSerializer();
        DataOutputSerializer out = new DataOutputSerializer(256);
        s.serialize(t, out);
        UserTraits back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertEquals(t.snapshotJson("u0"), back.snapshotJson("u0"));
        assertEquals(t.snapshotAt, back.snapshotAt);
        assertEquals(t.snapshotCount, back.snapshotCount);

        UserTraits c = s.copy(t);
        assertNotSame(t.rings.get("Page Viewed"), c.rings.get("Page Viewed"));
        c.apply(new EventGenerator(5, 1, 1_767_225_600_000L, 3_600_000L).generate(5000));
        assertEquals(sample().snapshotJson("u0"), t.snapshotJson("u0"), "copy must be deep");
    }

    @Test
    void rejectsUnknownFormat() {
        DataOutputSerializer out = new DataOutputSerializer(8);
        assertThrows(IOException.class, () -> {
            out.writeInt(99);
            new UserTraitsSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        });
    }
}
