package io.flopwatch.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class XidLogLimiterTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void aStormIsOneLineThenOneSummaryAMinute() {
        XidLogLimiter l = new XidLogLimiter();
        List<String> lines = new ArrayList<>();
        long t0 = 1_000 * SECOND;
        for (int i = 0; i < 5_000; i++) { // 5,000 Xid 79 ("GPU has fallen off the bus") within 50 s
            l.onEvent(0, 79, t0 + i * SECOND / 100).ifPresent(lines::add);
            lines.addAll(l.due(t0 + i * SECOND / 100));
        }
        assertEquals(List.of("GPU 0: Xid 79"), lines, "only the first event is logged at once");
        assertTrue(l.due(t0 + 59 * SECOND).isEmpty(), "no summary before a full minute");
        List<String> summary = l.due(t0 + 61 * SECOND);
        assertEquals(1, summary.size());
        // counted-only events began with the second one, at t0 + 10 ms: 60.99 s before the summary
        assertTrue(summary.get(0).startsWith("GPU 0: 4999 more Xid events in the last 60 s (last: Xid 79)"), summary.get(0));
        assertTrue(l.due(t0 + 200 * SECOND).isEmpty(), "nothing new: no further summary");
    }

    @Test
    void eachNewCodeAndEachGpuIsLoggedAtOnce() {
        XidLogLimiter l = new XidLogLimiter();
        assertEquals("GPU 0: Xid 79", l.onEvent(0, 79, 0).orElseThrow());
        assertEquals("GPU 0: Xid 48", l.onEvent(0, 48, 1).orElseThrow());
        assertEquals("GPU 1: Xid 79", l.onEvent(1, 79, 2).orElseThrow());
        assertTrue(l.onEvent(1, 79, 3).isEmpty());
    }
}
