package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.MigInstances;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device and gpm collectors read the MIG devices of a GPU with MIG on, and
 * {@code flopwatch_mig_…} publishes them, through the real sampler against the simulated library
 * playing config/scenarios/mig-h100.scenario at a frozen clock (3g.40gb + 2 × 2g.20gb; expected
 * values are that file's). The per-GPU utilization of a MIG GPU is NaN, never 0 (nvml.h: not
 * supported on MIG-enabled GPUs). When the GPU comes back with MIG off, every MIG series goes.
 */
class MigMetricsTest {

    static final Path MIG_SCENARIO = Path.of("../config/scenarios/mig-h100.scenario");

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    private record Run(Snapshot first, Snapshot second) {
    }

    /** Two cycles (GPM needs two samples) of the sampler on {@code scenario} at simulated t = 20 s, 21 s. */
    private static Run sample(Path scenario) throws Exception {
        AgentConfig config = ConfigLoader.parse("test", "sampling:\n  collectors: [device, gpm, processes]\n");
        FakeTicker ticker = new FakeTicker();
        SimulatorControl.freezeClockAt(20);
        try (Sampler sampler = new Sampler(NvmlSource.simulated(scenario)::open,
                Collectors.builtIn(config.sampling().collectors()), Duration.ofSeconds(1), Duration.ofSeconds(30),
                ticker, new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker))) {
            sampler.cycle();
            Snapshot first = sampler.latest();
            SimulatorControl.freezeClockAt(21);
            ticker.advance(Duration.ofSeconds(1));
            sampler.cycle();
            return new Run(first, sampler.latest());
        }
    }

    @Test
    void collectorsReadEachMigDeviceAndItsGpuInstancesGpm() throws Exception {
        Snapshot s = sample(MIG_SCENARIO).second();
        GpuRecord gpu = s.gpu(0).orElseThrow();
        MigInstances mig = gpu.mig();
        assertEquals(List.of("3g.40gb", "2g.20gb", "2g.20gb"),
                mig.instances().stream().map(m -> m.device().profile().orElse("")).toList());
        assertEquals(List.of(1, 5, 6), mig.instances().stream().map(m -> m.device().gpuInstanceId()).toList());
        var big = mig.byUuid("MIG-5afe0de0-0000-4000-8000-00000000a101").orElseThrow();
        assertEquals(List.of(41000L), big.device().processes().stream().map(p -> p.pid()).toList());
        // mig_gpm_metric 1 sm_util sine(88, 4, 20, 0): GPM gives the mean over the interval, here
        // [20 s, 21 s]: 88 + (4·20 / 2π)·(cos(2π·20/20) − cos(2π·21/20)) / (21 − 20).
        double expected = 88 + 4 * 20 / (2 * Math.PI) * (Math.cos(2 * Math.PI * 20 / 20) - Math.cos(2 * Math.PI * 21 / 20));
        assertEquals(expected, big.gpmValue(2).orElseThrow(), 1e-6);
        var idle = mig.byUuid("MIG-5afe0de0-0000-4000-8000-00000000a106").orElseThrow();
        assertEquals(0.0, idle.gpmValue(2).orElseThrow(), "no mig_gpm_metric: the simulator reads 0");
        assertTrue(gpu.sample().orElseThrow().utilization().gpuPercent().isEmpty(),
                "device utilization is NOT_SUPPORTED while MIG is on");
    }

    @Test
    void jsonLogLineListsTheMigDevicesOfAMigGpuOnly() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var gpu = mapper.readTree(LogLines.json(sample(MIG_SCENARIO).second())).at("/gpus/0");
        assertEquals(3, gpu.get("mig").size(), gpu.toString());
        var big = gpu.at("/mig/0");
        assertEquals("MIG-5afe0de0-0000-4000-8000-00000000a101", big.get("mig_uuid").asText());
        assertEquals("3g.40gb", big.get("mig_profile").asText());
        assertEquals(3.0 / 7, big.get("compute_fraction_ratio").asDouble(), 1e-12);
        assertEquals(1, big.get("processes").asInt());
        assertTrue(gpu.get("utilization_ratio").isNull(), "not supported with MIG on");
    }

    @Test
    void migSeriesArePublishedAndRemovedWhenMigIsTurnedOff() throws Exception {
        Run on = sample(MIG_SCENARIO);
        // The same GPU after `nvidia-smi -mig 0` and a reset: no mig_mode 1, no instances.
        Path off = dir.resolve("mig-off.scenario");
        Files.writeString(off, Files.readString(MIG_SCENARIO)
                .replace("mig_mode 1 1", "mig_mode 0 0\ngpu_util_percent 35")
                .replaceAll("(?m)^(mig_instance|mig_gpm_metric|process) .*$", ""));
        Run offRun = sample(off);

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            Snapshot[] current = {on.second()};
            SnapshotMetrics metrics = new SnapshotMetrics(registry, () -> current[0], new FakeTicker(), "test");
            metrics.sync(current[0]);
            String text = registry.scrape();
            String big = "gpu=\"0\",gpu_instance_id=\"1\",mig_profile=\"3g.40gb\","
                    + "mig_uuid=\"MIG-5afe0de0-0000-4000-8000-00000000a101\",uuid=\"GPU-5afe0de0-0000-4000-8000-00000000a100\"";
            assertEquals(3, count(text, "flopwatch_mig_info\\{"), text);
            // 3g.40gb: 3 of the 7 compute slices (MIG user guide, H100 profiles: 3/7 of the SMs).
            assertEquals(3.0 / 7, value(text, "flopwatch_mig_compute_fraction_ratio{compute_instance_id=\"0\"," + big + "}"), 1e-12);
            assertEquals(60.0, value(text, "flopwatch_mig_multiprocessors{compute_instance_id=\"0\"," + big + "}"));
            assertEquals(40448.0 * (1 << 20), value(text, "flopwatch_mig_memory_total_bytes{compute_instance_id=\"0\"," + big + "}"));
            assertEquals(36.0 * (1 << 30), value(text, "flopwatch_mig_memory_used_bytes{compute_instance_id=\"0\"," + big + "}"));
            assertEquals(1.0, value(text, "flopwatch_mig_processes{compute_instance_id=\"0\"," + big + "}"));
            double sm = value(text, "flopwatch_mig_sm_active_ratio{compute_instance_id=\"0\"," + big + "}");
            assertTrue(sm > 0.8 && sm < 0.95, "GPM SM_UTIL of GPU instance 1 as a ratio: " + sm);
            assertTrue(text.contains("flopwatch_gpu_utilization_ratio{") && text.matches("(?s).*flopwatch_gpu_utilization_ratio\\{[^}]*} NaN.*"),
                    "utilization of a MIG GPU is NaN (not supported), not 0:\n" + text);

            current[0] = offRun.second();
            metrics.sync(current[0]);
            String after = registry.scrape();
            assertFalse(after.contains("flopwatch_mig_"), "MIG series outlived MIG:\n" + after);
            assertTrue(after.contains("flopwatch_gpu_utilization_ratio{"), after);
            assertEquals(0.35, value(after, "flopwatch_gpu_utilization_ratio{"), 1e-12);
        } finally {
            registry.close();
        }
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile("(?m)^" + regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** The value of the first series whose line starts with {@code prefix}. */
    private static double value(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .orElseThrow(() -> new AssertionError("no series " + prefix + " in\n" + text));
    }
}
