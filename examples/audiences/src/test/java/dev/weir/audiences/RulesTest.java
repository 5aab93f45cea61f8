package dev.weir.audiences;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class RulesTest {
    private static Event ev(long seq, String name, long ts, String... kv) {
        TreeMap<String, String> p = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) p.put(kv[i], kv[i + 1]);
        return new Event(seq, "u1", "track", name, ts, p);
    }

    @Test
    void defaultRulesParse() {
        assertEquals(3, Rules.parse(Rules.DEFAULT).rules.size());
    }

    @Test
    void proBuyersNeedsThreeOrdersIn30DaysAndPlanPro() {
        Rules.Rule r = Rules.parse("pb: count_30d(\"Order Completed\") >= 3 AND prop(\"plan\") == \"pro\"").rules.get(0);
        UserTraits t = new UserTraits();
        long day = UserTraits.DAY_MS;
        t.apply(ev(0, "Identify", 0, "plan", "pro"));
        t.apply(ev(1, "Order Completed", day));
        t.apply(ev(2, "Order Completed", 2 * day));
        assertFalse(r.matches(t));
        t.apply(ev(3, "Order Completed", 3 * day));
        assertTrue(r.matches(t));
        // 31 days later the first order has left the 30-day window.
        t.apply(ev(4, "Page Viewed", 31 * day));
        assertEquals(2, t.window("Order Completed", 30));
        assertEquals(3, t.total("Order Completed"));
        assertFalse(r.matches(t));
    }

    @Test
    void lastSeenIsOrderIndependent() {
        UserTraits a = new UserTraits();
        UserTraits b = new UserTraits();
        Event e1 = ev(1, "Identify", 100, "plan", "free");
        Event e2 = ev(2, "Identify", 200, "plan", "pro");
        a.apply(e1);
        a.apply(e2);
        b.apply(e2);
        b.apply(e1);
        assertEquals("pro", a.prop("plan"));
        assertEquals(a.snapshotJson("u1"), b.snapshotJson("u1"));
    }

    @Test
    void badRulesSayWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rules.parse("x: count_9d(\"A\") >= 1"));
        assertTrue(e.getMessage().contains("unknown term count_9d"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rules.parse("x: prop(\"plan\") >= \"pro\""));
        assertThrows(IllegalArgumentException.class, () -> Rules.parse("x: count(\"A\") >= 1; x: count(\"B\") >= 1"));
        assertThrows(IllegalArgumentException.class, () -> Rules.parse(" ; "));
    }
}
