package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Recompute;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.Precision;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    /**
     * The demo's fixed tokens/s gives MFU ≈ 40 % on its 8 simulated H100s: recomputed from the
     * FLOPs engine (Llama-3-8B, train, T = 8192) and the catalog's dense bf16 peak.
     */
    @Test
    void demoThroughputGivesFortyPercentMfu() {
        double flopsPerToken = FlopCounter.estimate(ModelSpecs.resolve("llama-3-8b"),
                Workload.training(8192, Recompute.NONE)).modelFlopsPerToken();
        double peak = GpuCatalog.builtIn().densePeakFlops("NVIDIA H100 80GB HBM3", Precision.BF16).orElseThrow();
        double mfu = DemoCommand.DEMO_TOKENS_PER_SECOND * flopsPerToken / (8 * peak);
        assertEquals(0.40, mfu, 0.001);
    }

    @Test
    void demoConfigIsAValidConfig() {
        AgentConfig c = ConfigLoader.parse("demo", DemoCommand.demoConfig(0, "1s", "human"));
        assertEquals("demo", c.sampling().simulate().orElseThrow());
        assertEquals(1, c.workloads().size());
        assertEquals(DemoCommand.DEMO_TOKENS_PER_SECOND, c.workloads().get(0).throughput().tokensPerSecond().getAsDouble());
    }
}
