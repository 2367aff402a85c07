package io.flopwatch.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flopwatch.telemetry.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnergyAnalysisTest {

    private static OptionalDouble opt(Double d) {
        return d == null ? OptionalDouble.empty() : OptionalDouble.of(d);
    }

    // 1 W = 1 J/s, so J/token = W ÷ (tokens/s). Rows: 8 × H100 SXM at their 700 W maximum (NVIDIA
    // H100 datasheet, "Max thermal design power (TDP) up to 700 W") serving 10,000 tokens/s;
    // one L4 at its 72 W (NVIDIA L4 datasheet) serving 500 tokens/s.
    @ParameterizedTest(name = "{0} W at {1} tokens/s")
    @CsvSource(delimiter = '|', textBlock = """
            5600 | 10000 | 0.56
            72   | 500   | 0.144
            5600 | 0     |
            5600 |       |
                 | 100   |
            """)
    void joulesPerToken(Double watts, Double tokensPerSecond, Double expected) {
        OptionalDouble got = EnergyAnalysis.joulesPerToken(opt(watts), opt(tokensPerSecond));
        assertEquals(expected == null, got.isEmpty());
        if (expected != null) {
            assertEquals(expected, got.getAsDouble(), 1e-12);
        }
    }

    // 8 × H100 SXM, bf16 dense peak 989.5 TFLOP/s each (datasheet 1,979 with sparsity, halved) at
    // 40% MFU = 3,166.4 TFLOP/s of model FLOPs, drawing 8 × 700 W = 5,600 W: 0.5654 TFLOP/s per W.
    @ParameterizedTest(name = "{0} FLOP/s over {1} W")
    @CsvSource(delimiter = '|', textBlock = """
            3166.4e12 | 5600 | 0.56542857142857142e12
            1e12      | 0    |
            1e12      |      |
            """)
    void flopsPerWatt(Double flopsPerSecond, Double watts, Double expected) {
        OptionalDouble got = EnergyAnalysis.modelFlopsPerSecondPerWatt(opt(flopsPerSecond), opt(watts));
        assertEquals(expected == null, got.isEmpty());
        if (expected != null) {
            assertEquals(expected, got.getAsDouble(), 1);
        }
    }

    @Test
    void totalWattsNeedsEveryGpu() {
        assertEquals(OptionalDouble.of(1400), EnergyAnalysis.totalWatts(List.of(OptionalDouble.of(700),
                OptionalDouble.of(700))));
        assertEquals(OptionalDouble.empty(), EnergyAnalysis.totalWatts(List.of(OptionalDouble.of(700),
                OptionalDouble.empty())), "a partial sum would understate joules per token");
        assertEquals(OptionalDouble.empty(), EnergyAnalysis.totalWatts(List.of()));
    }

    @ParameterizedTest(name = "{0} W of {1} W")
    @CsvSource(delimiter = '|', textBlock = """
            650 | 700 | 0.9285714285714286
            700 | 700 | 1.0
            100 | 0   |
            """)
    void powerToLimit(double usage, double limit, Double expected) {
        assertEquals(opt(expected), EnergyAnalysis.powerToLimitRatio(OptionalDouble.of(usage), OptionalDouble.of(limit)));
    }

    @Test
    void energyRateAveragesOverTheWindow() {
        FakeTicker t = new FakeTicker();
        EnergyRate r = new EnergyRate(Duration.ofSeconds(60));
        r.record(t.nanoTime(), OptionalDouble.of(1_000_000));
        assertEquals(OptionalDouble.empty(), r.averageWatts(t.nanoTime()), "one reading is only a baseline");
        // 10 s at 700 W, then 10 s at 300 W: 10,000 J over 20 s = 500 W.
        r.record(t.advance(Duration.ofSeconds(10)).nanoTime(), OptionalDouble.of(1_007_000));
        r.record(t.advance(Duration.ofSeconds(10)).nanoTime(), OptionalDouble.of(1_010_000));
        assertEquals(500.0, r.averageWatts(t.nanoTime()).getAsDouble(), 1e-9);
        assertEquals(10_000.0, r.joules(t.nanoTime()).getAsDouble(), 1e-9);
        // 55 s later the first increment (ended at 10 s) has left the 60 s window: only the 300 W one is left.
        assertEquals(300.0, r.averageWatts(t.nanoTime() + Duration.ofSeconds(55).toNanos()).getAsDouble(), 1e-9);
        assertEquals(OptionalDouble.empty(), r.averageWatts(t.nanoTime() + Duration.ofSeconds(61).toNanos()));
    }

    @Test
    void aDriverReloadRestartsTheCounterAndLosesOnlyThatInterval() {
        FakeTicker t = new FakeTicker();
        EnergyRate r = new EnergyRate(Duration.ofSeconds(60));
        r.record(t.nanoTime(), OptionalDouble.of(5_000_000));
        r.record(t.advance(Duration.ofSeconds(10)).nanoTime(), OptionalDouble.of(5_004_000)); // 400 W
        // Reloaded: the counter restarts from zero (NVML: "since the driver was last reloaded").
        r.record(t.advance(Duration.ofSeconds(10)).nanoTime(), OptionalDouble.of(1_000));
        r.record(t.advance(Duration.ofSeconds(10)).nanoTime(), OptionalDouble.of(7_000)); // 600 W
        assertEquals(1, r.counterResets());
        // (4,000 + 6,000) J over the 20 s actually covered; the 10 s around the reload are a gap, not 0 W.
        assertEquals(500.0, r.averageWatts(t.nanoTime()).getAsDouble(), 1e-9);
    }

    @Test
    void absentCountersAndStaleReadingsAreIgnored() {
        FakeTicker t = new FakeTicker();
        EnergyRate r = new EnergyRate(Duration.ofSeconds(60));
        r.record(t.nanoTime(), OptionalDouble.empty());
        r.record(t.advance(Duration.ofSeconds(1)).nanoTime(), OptionalDouble.of(100));
        r.record(t.nanoTime(), OptionalDouble.of(50));
        r.record(t.advance(Duration.ofSeconds(1)).nanoTime(), OptionalDouble.of(400));
        assertEquals(0, r.counterResets(), "a reading at the same instant is not a reset");
        assertEquals(300.0, r.averageWatts(t.nanoTime()).getAsDouble(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> new EnergyRate(Duration.ZERO));
    }
}
