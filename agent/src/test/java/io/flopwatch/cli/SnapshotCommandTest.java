package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code snapshot} and {@code doctor} end to end through {@link Main}, against the simulated
 * library playing native-bindings' fixed test scenario, against Debian's real
 * libnvidia-ml.so.1 on a machine without a driver, and with no library at all. Every expected
 * value below is the scenario file's own line (two-devices.scenario), converted to the JSON's
 * unit where the name says so.
 */
class SnapshotCommandTest {

    static final Path SCENARIO = Path.of("../native-bindings/src/test/resources/scenarios/two-devices.scenario");
    static final Path BAD_SCENARIO = Path.of("../native-bindings/src/test/resources/scenarios/bad-value.scenario");
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;


    @Test
    void jsonCarriesTheScenariosValues() {
        CliRun r = CliRun.run("snapshot", "--json", "--simulate", SCENARIO.toString(), "--gpm-interval", "100");
        assertEquals(0, r.status(), r.err());
        JsonNode j = r.json();
        assertTrue(j.get("simulated").asBoolean());
        assertEquals("535.261.03", j.at("/system/driver_version").asText());
        assertEquals("12.535.261.03", j.at("/system/nvml_version").asText());
        assertEquals("12.2", j.at("/system/cuda_driver_version").asText()); // cuda_driver_version 12020
        assertEquals(2, j.get("devices").size());

        JsonNode h100 = j.at("/devices/0");
        assertEquals("NVIDIA H100 80GB HBM3 (Simulated)", h100.get("name").asText());
        assertEquals("GPU-5afe0000-0000-4000-8000-000000000000", h100.get("uuid").asText());
        assertEquals("1650000000001", h100.get("serial").asText());
        assertEquals("00000000:18:00.0", h100.get("pci_bus_id").asText());
        assertEquals("0x233010de", h100.get("pci_device_id").asText());
        assertEquals("hopper", h100.get("architecture").asText());
        assertEquals("9.0", h100.get("compute_capability").asText());
        assertEquals(16896, h100.get("gpu_cores").asInt());
        assertEquals(81559 * MIB, h100.get("memory_total_bytes").asLong());
        assertEquals(40 * GIB, h100.get("memory_used_bytes").asLong());
        assertEquals(512 * MIB, h100.get("memory_reserved_bytes").asLong());
        assertEquals(128 * GIB, h100.get("bar1_total_bytes").asLong());
        assertEquals(97, h100.get("gpu_utilization_percent").asInt());
        assertEquals(45, h100.get("memory_utilization_percent").asInt());
        assertEquals(1_755_000_000L, h100.get("sm_clock_hz").asLong());
        assertEquals(2_619_000_000L, h100.get("memory_clock_hz").asLong());
        assertEquals(1_980_000_000L, h100.get("sm_clock_max_hz").asLong());
        assertEquals(0, h100.get("performance_state").asInt());
        assertEquals(0x4, h100.get("clock_event_reasons_mask").asLong());
        assertEquals("sw_power_cap", h100.at("/clock_event_reasons/0").asText());
        assertEquals(650.0, h100.get("power_watts").asDouble());
        assertEquals(700.0, h100.get("power_limit_enforced_watts").asDouble());
        // energy_offset_mj 1000000, then 650 W integrated over simulated time since init
        assertTrue(h100.get("energy_total_joules").asDouble() >= 1000.0, h100.toString());
        assertEquals(62, h100.get("temperature_celsius").asInt());
        assertEquals(2048, h100.get("pcie_tx_kilobytes_per_second").asLong());
        assertEquals(4096, h100.get("pcie_rx_kilobytes_per_second").asLong());
        assertEquals(5, h100.get("pcie_link_generation").asInt());
        assertEquals(16, h100.get("pcie_link_width_max").asInt());
        assertEquals(18, h100.get("nvlink_links").asInt());
        assertEquals(18, h100.get("nvlink_links_active").asInt());
        assertEquals(3, h100.get("ecc_corrected_volatile_total").asLong());
        assertEquals(10, h100.get("ecc_corrected_aggregate_total").asLong());
        assertEquals(1, h100.get("ecc_uncorrected_aggregate_total").asLong());
        assertEquals(2, h100.get("remapped_rows_correctable").asInt());
        assertEquals(1, h100.get("remapped_rows_uncorrectable").asInt());
        assertEquals(0, h100.get("mig_mode_current").asInt());
        assertTrue(h100.get("gpm_supported").asBoolean());
        assertEquals(88.0, h100.at("/gpm/sm_active_percent").asDouble(), 1e-9);
        assertEquals(40.0, h100.at("/gpm/sm_occupancy_percent").asDouble(), 1e-9);
        assertEquals(55.0, h100.at("/gpm/tensor_active_percent").asDouble(), 1e-9);
        assertEquals(35.0, h100.at("/gpm/dram_bandwidth_utilization_percent").asDouble(), 1e-9);
        assertEquals(2, h100.get("processes").size());
        assertEquals(4242, h100.at("/processes/0/pid").asLong());
        assertEquals(38 * GIB, h100.at("/processes/0/used_gpu_memory_bytes").asLong());
        assertEquals(0, h100.get("errors").size());

        JsonNode a100 = j.at("/devices/1");
        assertEquals("NVIDIA A100-SXM4-80GB (Simulated)", a100.get("name").asText());
        assertEquals("ampere", a100.get("architecture").asText());
        assertEquals(1 * GIB, a100.get("memory_used_bytes").asLong());
        assertEquals(1_410_000_000L, a100.get("sm_clock_hz").asLong());
        assertEquals("gpu_idle", a100.at("/clock_event_reasons/0").asText());
        assertEquals(90.0, a100.get("power_watts").asDouble());
        assertEquals(400.0, a100.get("power_limit_enforced_watts").asDouble());
        assertEquals(12, a100.get("nvlink_links").asInt());
        assertEquals(11, a100.get("nvlink_links_active").asInt()); // "nvlink_down 11": link 11 of 12 is down
        assertTrue(!a100.get("gpm_supported").asBoolean());
        assertEquals(0, a100.get("gpm").size(), "no GPM on Ampere");
    }

    @Test
    void aLostGpuIsNamedInItsErrorsWhileTheOthersAreRead() {
        CliRun r = CliRun.run("snapshot", "--json", "--simulate", "src/test/resources/scenarios/one-gpu-lost.scenario",
                "--gpm-interval", "100");
        assertEquals(0, r.status(), r.err());
        JsonNode ok = r.json().at("/devices/0");
        assertEquals(100.0, ok.get("power_watts").asDouble()); // power_mw 100000
        assertEquals(0, ok.get("errors").size());
        JsonNode lost = r.json().at("/devices/1");
        assertEquals("GPU-10570001-0000-4000-8000-000000000001", lost.get("uuid").asText());
        assertTrue(lost.get("errors").toString().contains("GPU is lost"), lost.toString());

        CliRun t = CliRun.run("snapshot", "--simulate", "src/test/resources/scenarios/one-gpu-lost.scenario", "--gpm-interval", "100");
        assertTrue(t.out().contains("GPU 1: "), t.out());
    }

    @Test
    void tableMarksSimulatedGpus() {
        CliRun r = CliRun.run("snapshot", "--simulate", SCENARIO.toString(), "--gpm-interval", "100");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("*** SIMULATED GPUs"), r.out());
        assertTrue(r.out().contains("NVIDIA H100 80GB HBM3 (Simulated)"), r.out());
        assertTrue(r.out().contains("55.0"), "tensor-active of GPU 0: " + r.out());
    }

    @Test
    void badScenarioIsOneLineNamingFileAndLine() {
        CliRun r = CliRun.run("snapshot", "--simulate", BAD_SCENARIO.toString());
        assertEquals(ExitStatus.BAD_INPUT.code(), r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("bad-value.scenario:7: "), r.err());
        assertTrue(r.out().isEmpty());
    }

    @Test
    void gpmIntervalBelowNvmlsMinimumIsAUsageError() {
        CliRun r = CliRun.run("snapshot", "--simulate", SCENARIO.toString(), "--gpm-interval", "50");
        assertEquals(ExitStatus.USAGE.code(), r.status());
    }

    @Test
    void realLibraryWithoutDriverIsOneClearLine() {
        Path real = realLibrary();
        assumeTrue(Files.exists(real), "Debian's libnvidia-ml1 is not unpacked at " + real
                + " (.ci/fetch-test-packages.sh could not fetch it)");
        CliRun r = CliRun.run("snapshot", "--nvml-library", real.toString());
        assertEquals(ExitStatus.NVML_UNAVAILABLE.code(), r.status());
        assertEquals("flopwatch: NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)", r.err().strip());
        assertTrue(r.out().isEmpty());

        CliRun d = CliRun.run("doctor", "--nvml-library", real.toString());
        assertEquals(ExitStatus.NVML_UNAVAILABLE.code(), d.status());
        assertTrue(d.out().contains("[PROBLEM] NVML: NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)"), d.out());
        assertTrue(d.out().contains("modprobe nvidia"), d.out());
    }

    @Test
    void missingLibraryIsOneClearLine() {
        CliRun r = CliRun.run("snapshot", "--nvml-library", "/nonexistent/libnvidia-ml.so.1");
        assertEquals(ExitStatus.NVML_UNAVAILABLE.code(), r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("flopwatch: NVML library not found"), r.err());
    }

    @Test
    void doctorOnSimulatedGpusExplainsGpmPerDevice() {
        CliRun r = CliRun.run("doctor", "--json", "--simulate", SCENARIO.toString());
        assertEquals(ExitStatus.OK.code(), r.status(), r.out() + r.err());
        JsonNode findings = r.json();
        String all = findings.toString();
        assertTrue(all.contains("(SIMULATED)"), all);
        assertTrue(all.contains("GPU 0 NVIDIA H100 80GB HBM3 (Simulated)"), all);
        assertTrue(all.contains("GPM not supported (it needs Hopper or newer)"), all);
    }

    static Path realLibrary() {
        String root = System.getProperty("flopwatch.testPackages", "");
        return Path.of(root, "usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.1");
    }
}
