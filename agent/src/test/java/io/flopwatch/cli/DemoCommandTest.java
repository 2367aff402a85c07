package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Recompute;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.Precision;
import io.flopwatch.workload.LogFormat;
import io.flopwatch.workload.ParserSettings;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.ThroughputScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoCommandTest {
    private static final double H100_BF16 =
            GpuCatalog.builtIn().densePeakFlops("NVIDIA H100 80GB HBM3", Precision.BF16).orElseThrow();

    /**
     * The demo log's tokens/s per GPU gives MFU ≈ 40 % on its 8 simulated H100s: recomputed from
     * the FLOPs engine (Llama-3-8B, train, T = 8192) and the catalog's dense bf16 peak (989.5 TFLOP/s).
     */
    @Test
    void demoThroughputGivesFortyPercentMfu() {
        double flopsPerToken = FlopCounter.estimate(ModelSpecs.resolve("llama-3-8b"),
                Workload.training(8192, Recompute.NONE)).modelFlopsPerToken();
        // torchtitan's tps is per GPU (ScopeMapping GPU row): node tokens/s = 8 × 6 838 = 54 704
        double nodeTokensPerSecond = 8 * DemoCommand.DEMO_TOKENS_PER_GPU_PER_SECOND;
        assertEquals(DemoCommand.DEMO_TOKENS_PER_SECOND, nodeTokensPerSecond);
        double mfu = nodeTokensPerSecond * flopsPerToken / (8 * H100_BF16);
        assertEquals(0.40, mfu, 0.001);
    }

    /** The line the demo writes is read by the torchtitan preset as 6 838 tokens/s per GPU, 396.01 TFLOP/s (57.91 GFLOPs × 6 838) and 40.02 % MFU. */
    @Test
    void theDemoLogLineIsTorchtitansFormat() {
        String line = DemoTrainingLog.line(12, DemoCommand.DEMO_TOKENS_PER_GPU_PER_SECOND,
                DemoCommand.demoModelFlopsPerToken(), H100_BF16);
        List<ThroughputObservation> obs = LogFormat.TORCHTITAN.newParser(ParserSettings.NONE).parse(line, 0);
        assertEquals(1, obs.size(), line);
        assertEquals(6838, obs.get(0).tokens());
        assertEquals(ThroughputScope.GPU, obs.get(0).scope());
        assertEquals(0.4002, obs.get(0).selfReportedMfu().getAsDouble(), 1e-9, line);
        assertEquals(396.01, obs.get(0).selfReportedTflopsPerGpu().getAsDouble(), 1e-9, line);
    }

    @Test
    void demoConfigTailsTheWorkloadsLog() throws Exception {
        try (DemoTrainingLog job = new DemoTrainingLog(DemoCommand.DEMO_TOKENS_PER_GPU_PER_SECOND,
                DemoCommand.demoModelFlopsPerToken(), H100_BF16, Duration.ofHours(1))) {
            assertTrue(Files.readString(job.file()).startsWith("step:  1  loss:"), "first line written at once");
            AgentConfig c = ConfigLoader.parse("demo", DemoCommand.demoConfig(0, "1s", "human", job.file()));
            assertEquals("demo", c.sampling().simulate().orElseThrow());
            AgentConfig.LogSource log = c.workloads().get(0).throughput().log().orElseThrow();
            assertEquals(List.of(job.file().toString()), log.paths());
            assertEquals(LogFormat.TORCHTITAN, log.format().orElseThrow());
            Path dir = job.file().getParent();
            job.close();
            assertTrue(Files.notExists(dir), "the temporary log is removed");
        }
    }

    @Test
    void theFixedDemoConfigForTestsHasTheSameRate() {
        AgentConfig c = ConfigLoader.parse("demo", DemoCommand.demoConfig(0, "1s", "human"));
        assertEquals(DemoCommand.DEMO_TOKENS_PER_SECOND, c.workloads().get(0).throughput().tokensPerSecond().getAsDouble());
    }
}
