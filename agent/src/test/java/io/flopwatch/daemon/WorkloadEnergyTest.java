package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Joules per token and model FLOP/s per watt of a workload, from its GPUs' energy counters and its
 * token rate over the same window (LiveAnalyzer + EnergyRate + EnergyAnalysis; docs/energy.md).
 */
class WorkloadEnergyTest {

    static GpuRecord gpu(int index, long nanos, double energyJoules) {
        GpuIdentity id = new GpuIdentity(index, "GPU-" + index, "NVIDIA H100 80GB HBM3", Optional.empty(),
                "00000000:1" + index + ":00.0", 0x233010DEL, 0, GpuArchitecture.HOPPER, OptionalLong.empty(),
                OptionalInt.of(9), OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(),
                OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), false);
        OptionalLong noL = OptionalLong.empty();
        OptionalInt noI = OptionalInt.empty();
        OptionalDouble noD = OptionalDouble.empty();
        DeviceSample s = new DeviceSample(index, new DeviceSample.Utilization(OptionalInt.of(100), noI, noI, noI),
                new DeviceSample.Memory(noL, noL, noL, noL, noL, noL, noL),
                new DeviceSample.Clocks(noL, noL, noL, noL, noL, noL, noL, noL, noL, noI, noL),
                new DeviceSample.Power(noD, noD, noD, OptionalDouble.of(energyJoules)),
                new DeviceSample.Thermal(noI, noI), new DeviceSample.Pcie(noL, noL, noI, noI, noI, noI), false);
        return new GpuRecord.Builder(index).identity(id).sample(s).build(nanos, true, "", Map.of());
    }

    /**
     * Every GPU draws {@code watts} for 10 s (its energy counter rises by watts x 10 J) while the
     * workload makes {@code tokensPerSecond}: joules per token = GPUs x watts / tokens per second.
     */
    @ParameterizedTest(name = "{0} GPUs at {1} W, {2} tokens/s")
    @CsvSource({
        // 8 x H100 SXM at its 700 W board power (H100 datasheet), 10,000 tokens/s: 5,600 J/s / 10,000 = 0.56 J/token
        "8, 700, 10000, 0.56",
        // 4 x A100 SXM at its 400 W board power (A100 datasheet), 2,000 tokens/s: 1,600 / 2,000 = 0.8 J/token
        "4, 400, 2000, 0.8",
        // 1 x L4 at its 72 W board power (L4 datasheet), 36 tokens/s: 72 / 36 = 2 J/token
        "1, 72, 36, 2.0",
    })
    void joulesPerTokenFromTheEnergyCounters(int gpus, double watts, double tokensPerSecond, double joulesPerToken) {
        AgentConfig c = ConfigLoader.parse("t", """
                workloads:
                  - name: job
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: all
                    throughput: {source: fixed, tokens_per_second: %s}
                """.formatted(tokensPerSecond));
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty());
        List<GpuRecord> before = new ArrayList<>();
        List<GpuRecord> after = new ArrayList<>();
        long t0 = ticker.nanoTime();
        for (int i = 0; i < gpus; i++) {
            before.add(gpu(i, t0, 1_000_000.0 + i));
        }
        WorkloadAnalysis first = analyzer.analyze(before, t0).workloads().get(0);
        assertTrue(Double.isNaN(first.energy().joulesPerToken()), "one reading: no average power yet");

        ticker.advance(Duration.ofSeconds(10));
        long t1 = ticker.nanoTime();
        for (int i = 0; i < gpus; i++) {
            after.add(gpu(i, t1, 1_000_000.0 + i + watts * 10));
        }
        WorkloadAnalysis w = analyzer.analyze(after, t1).workloads().get(0);
        assertEquals(gpus * watts, w.energy().averageWatts(), 1e-9);
        assertEquals(joulesPerToken, w.energy().joulesPerToken(), 1e-12);
        // Model FLOP/s per watt = achieved model FLOP/s / total watts (= model FLOPs per joule).
        assertEquals(w.achievedModelFlops() / (gpus * watts), w.energy().modelFlopsPerSecondPerWatt(),
                1e-6 * w.energy().modelFlopsPerSecondPerWatt());
    }

    @ParameterizedTest(name = "a GPU without an energy counter among {0}")
    @CsvSource({"2", "8"})
    void aGpuWithoutTheCounterLeavesTheWorkloadWithoutAFigure(int gpus) {
        AgentConfig c = ConfigLoader.parse("t", """
                workloads:
                  - name: job
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: all
                    throughput: {source: fixed, tokens_per_second: 1000}
                """);
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty());
        for (int step = 0; step < 2; step++) {
            List<GpuRecord> records = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                GpuRecord r = gpu(i, ticker.nanoTime(), 1000.0 + step * 7000);
                // GPU 0 reports no energy counter (pre-Volta, or NOT_SUPPORTED): a partial sum would understate.
                records.add(i == 0 ? new GpuRecord.Builder(0).identity(r.identity().get())
                        .build(ticker.nanoTime(), true, "", Map.of()) : r);
            }
            WorkloadAnalysis w = analyzer.analyze(records, ticker.nanoTime()).workloads().get(0);
            assertTrue(Double.isNaN(w.energy().averageWatts()));
            assertTrue(Double.isNaN(w.energy().joulesPerToken()));
            ticker.advance(Duration.ofSeconds(10));
        }
    }
}
