package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.telemetry.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CuptiDecodeLoopTest {

    private final List<String> log = new CopyOnWriteArrayList<>();

    private CuptiCollector collector(FakePmSampler sampler) {
        return new CuptiCollector(sampler, new FakeCuptiHost(), CuptiMetricSets.builtIn(),
                CuptiCollectorSettings.defaults(), new FakeTicker(), log::add);
    }

    @Test
    void theLoopStepsOnItsOwnThreadAndCloseReleasesTheCounters() throws Exception {
        FakePmSampler sampler = new FakePmSampler("GA102");
        CuptiCollector collector = collector(sampler);
        int[] sleeps = {0};
        CuptiDecodeLoop[] loop = new CuptiDecodeLoop[1];
        // A sleeper that does not sleep: after three turns it asks the loop to end.
        loop[0] = new CuptiDecodeLoop(List.of(collector), Duration.ofMillis(100), d -> {
            assertEquals(Duration.ofMillis(100), d);
            assertEquals(CuptiDecodeLoop.THREAD_NAME, Thread.currentThread().getName());
            if (++sleeps[0] == 3) {
                loop[0].requestStop();
            }
        }, log::add);
        loop[0].start();
        assertTrue(loop[0].awaitStopped(Duration.ofSeconds(30)), "the loop ends once asked (bounded wait)");
        loop[0].close();
        assertFalse(loop[0].running());
        assertEquals(3, sleeps[0]);
        // turn 1 starts the session, turns 2 and 3 decode
        assertEquals(2, sampler.calls.stream().filter("decode"::equals).count());
        assertFalse(sampler.countersHeld());
        assertEquals(CuptiCollector.State.CLOSED, collector.status().state());
    }

    @Test
    void oneCollectorsBugDoesNotStopTheOthers() {
        FakePmSampler broken = new FakePmSampler("GA102") {
            @Override
            public PmDecodeResult decode() {
                throw new IllegalStateException("bug");
            }
        };
        FakePmSampler healthy = new FakePmSampler("GH100");
        CuptiDecodeLoop loop = new CuptiDecodeLoop(List.of(collector(broken), collector(healthy)),
                Duration.ofMillis(100), d -> { }, log::add);
        loop.runOnce();
        loop.runOnce();
        assertTrue(healthy.calls.contains("decode"));
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("bug"), log.get(0));
        loop.close();
        assertFalse(broken.countersHeld());
        assertFalse(healthy.countersHeld());
    }
}
