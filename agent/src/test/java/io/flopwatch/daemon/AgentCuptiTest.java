package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.cupti.Cupti;
import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.telemetry.cupti.CuptiCollector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The agent built from a config with {@code cupti.mode: on} on a machine without the CUDA driver
 * (these build machines: CUPTI's libcupti in /usr/local/cuda, no libcuda.so.1): the agent runs,
 * every GPU's CUPTI status says NOT_AVAILABLE, /metrics says so, the GPM values stay. Real
 * threads and real libraries; bounded polling, no assertion on durations.
 */
class AgentCuptiTest {

    @Test
    void withoutTheCudaDriverCuptiIsAStatusNotACrash() throws Exception {
        Assumptions.assumeTrue(Cupti.cudaDriverProblem(Optional.empty()).isPresent(),
                "the CUDA driver loads here: this test is for machines without it");
        Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/golden-2x-h100.scenario").toURI());
        AgentConfig config = ConfigLoader.parse("cupti-test", """
                web: {listen_address: "127.0.0.1:0"}
                sampling: {interval: 200ms, deadline: 100ms}
                cupti: {mode: on, sampling_interval: 10ms, decode_interval: 100ms}
                """);
        try (Agent agent = new Agent(config, NvmlSource.simulated(scenario)::open, Ticker.system(),
                new PrintWriter(new StringWriter()), "test")) {
            agent.start();
            Snapshot s = AgentFaultTest.await(agent, x -> x.gpus().size() == 2 && x.gpus().stream().allMatch(g ->
                    g.activity().cupti().map(iv -> iv.status().state() == CuptiCollector.State.UNAVAILABLE).orElse(false)));
            for (GpuRecord g : s.gpus()) {
                CuptiCollector.Status st = g.activity().cupti().orElseThrow().status();
                assertEquals(Optional.of(CuptiCondition.NOT_AVAILABLE), st.condition());
                assertTrue(st.detail().contains("CUDA driver library not found"), st.detail());
            }
            String scrape = agent.scrape();
            assertTrue(scrape.contains("flopwatch_up 1.0"), scrape);
            assertTrue(scrape.lines().anyMatch(l -> l.startsWith("flopwatch_cupti_condition{condition=\"not_available\",gpu=\"0\"")
                    && l.endsWith(" 1.0")), scrape);
            assertTrue(scrape.lines().anyMatch(l -> l.startsWith("flopwatch_cupti_up{gpu=\"1\"") && l.endsWith(" 0.0")), scrape);
            // GPM still fills the activity fields (the scenario's H100s)
            Snapshot withGpm = AgentFaultTest.await(agent, x -> x.gpus().stream().allMatch(g -> !g.gpm().isEmpty()));
            assertTrue(withGpm.gpus().stream().allMatch(g -> g.activity().source().equals("gpm")));
        }
    }
}
