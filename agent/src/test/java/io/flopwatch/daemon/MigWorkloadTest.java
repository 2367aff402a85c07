package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.config.InputError;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A workload bound to MIG devices by their UUIDs is measured against their share of the GPU's
 * dense peak: compute slices / 7 (NVIDIA MIG user guide, H100 profiles: 3g.40gb has 3/7 of the
 * SMs, 2g.20gb 2/7). Through the real sampler on config/scenarios/mig-h100.scenario.
 */
class MigWorkloadTest {

    static final Path SCENARIO = Path.of("../config/scenarios/mig-h100.scenario");
    /** H100 SXM dense BF16 peak (config/gpus.yaml: NVIDIA H100 datasheet, 1979 with sparsity, halved). */
    static final double H100_BF16 = 989.5e12;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    @ParameterizedTest(name = "{0}: {2}/7 of the GPU")
    @CsvSource(delimiter = '|', value = {
        "the 3g.40gb | \"MIG-5afe0de0-0000-4000-8000-00000000a101\" | 3",
        "both 2g.20gb | \"MIG-5afe0de0-0000-4000-8000-00000000a105\", \"MIG-5afe0de0-0000-4000-8000-00000000a106\" | 4",
        "the whole GPU by UUID | \"GPU-5afe0de0-0000-4000-8000-00000000a100\" | 7",
        "the GPU and one of its MIG devices | 0, \"MIG-5afe0de0-0000-4000-8000-00000000a105\" | 7",
    })
    void peakIsTheMigDevicesShare(String what, String gpus, int slices) throws Exception {
        AgentConfig config = ConfigLoader.parse("test", """
                sampling:
                  collectors: [device, gpm, processes]
                workloads:
                  - name: job
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: [%s]
                    throughput: {source: fixed, tokens_per_second: 1000}
                """.formatted(gpus));
        FakeTicker ticker = new FakeTicker();
        SimulatorControl.freezeClockAt(20);
        try (Sampler sampler = new Sampler(NvmlSource.simulated(SCENARIO)::open,
                Collectors.builtIn(config.sampling().collectors()), Duration.ofSeconds(1), Duration.ofSeconds(30),
                ticker, new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker))) {
            sampler.cycle();
            Snapshot s = sampler.latest();
            WorkloadAnalysis w = s.workloads().get(0);
            assertEquals(List.of(0), w.gpuIndexes());
            assertEquals(H100_BF16 * slices / 7, w.peakFlops(), 1e3);
            assertEquals(w.achievedModelFlops() / (H100_BF16 * slices / 7), w.mfu(), 1e-12);
            if (slices < 7) {
                assertTrue(Double.isNaN(w.tensorFlopsEstimate()), "no estimate for a MIG share yet");
            }
        }
    }

    @Test
    void aMigUuidIsAcceptedAndAnythingElseIsNot() {
        ConfigLoader.parse("t", "workloads:\n  - {name: a, model: llama-3-8b, seq_len: 8, gpus: [\"MIG-x\"],"
                + " throughput: {source: push}}\n");
        InputError e = org.junit.jupiter.api.Assertions.assertThrows(InputError.class, () -> ConfigLoader.parse("t",
                "workloads:\n  - {name: a, model: llama-3-8b, seq_len: 8, gpus: [\"mig-x\"], throughput: {source: push}}\n"));
        assertTrue(e.getMessage().contains("MIG device UUID (MIG-…)"), e.getMessage());
    }
}
