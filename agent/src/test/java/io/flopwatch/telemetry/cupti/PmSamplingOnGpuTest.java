package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flopwatch.cupti.Cupti;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.PmTarget;
import io.flopwatch.telemetry.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The target side on a real GPU: the collector over the JNA sampler of GPU 0 for about a
 * second of 10 ms samples. Skips, visibly, without the NVIDIA driver (as on CI); on a GPU
 * machine it is part of the real-GPU validation. It checks ranges, not values: an idle GPU's
 * activity is near 0.
 */
class PmSamplingOnGpuTest {

    @Test
    void samplesGpuZeroThroughTheCollector() throws Exception {
        Optional<String> driverProblem;
        try {
            driverProblem = Cupti.cudaDriverProblem(Optional.empty());
            Cupti.host(Optional.empty());
        } catch (CuptiException absent) {
            driverProblem = Optional.of(absent.getMessage());
        }
        assumeTrue(driverProblem.isEmpty(), "no GPU to sample: " + driverProblem.orElse(""));
        List<String> log = new ArrayList<>();
        try (PmTarget target = Cupti.target(Optional.empty(), Optional.empty())) {
            assumeTrue(target.deviceCount() > 0, "the CUDA driver sees no GPU");
            CuptiCollectorSettings settings = new CuptiCollectorSettings(Duration.ofMillis(10), Duration.ofMillis(100),
                    32L << 20, Duration.ofMinutes(1), 1e9);
            CuptiCollector collector = new CuptiCollector(target.sampler(0), target.host(), CuptiMetricSets.builtIn(),
                    settings, Ticker.system(), log::add);
            collector.step();
            CuptiCollector.Status started = collector.status();
            assumeTrue(started.state() == CuptiCollector.State.RUNNING,
                    "PM sampling did not start on GPU 0: " + started.condition() + " " + started.detail());
            for (int i = 0; i < 10; i++) {
                Thread.sleep(100); // the GPU samples in real time; bounded: 1 s in all
                collector.step();
            }
            CuptiInterval interval = collector.takeInterval();
            collector.pause();
            assertFalse(collector.status().state() == CuptiCollector.State.RUNNING);
            collector.close();
            assertTrue(interval.sampleCount() > 0, "no sample in 1 s of 10 ms sampling; log: " + log);
            for (Map.Entry<CuptiMetricRole, Double> e : interval.means().entrySet()) {
                double v = e.getValue();
                if (e.getKey().key().endsWith("_percent")) {
                    assertTrue(v >= 0 && v <= 100.5, e.getKey() + " = " + v);
                } else {
                    assertTrue(v >= 0, e.getKey() + " = " + v);
                }
            }
            double clock = interval.mean(CuptiMetricRole.SM_CLOCK_HERTZ).orElseThrow();
            assertTrue(clock > 1e8 && clock < 4e9, "SM clock " + clock + " Hz");
            assertEquals(0, collector.status().bufferOverflows(), "log: " + log);
            System.out.println("PM sampling on GPU 0 (" + interval.chip() + "): " + interval.sampleCount()
                    + " samples over " + interval.covered() + ": " + interval.means());
        }
    }
}
