package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.nvml.jna.SimulatorControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A peer binding as the referee: Debian's pynvml (python3-pynvml 11.525) reads the simulated
 * library playing the same scenario at the same frozen simulated time
 * (src/test/python/pynvml_read.py prints one JSON document), and every value both bindings
 * read must be equal. pynvml's values are in NVML's units; they are converted here the way
 * the bindings document (mW → W, mJ → J, MHz → Hz) before the comparison.
 */
class PynvmlCrossCheckTest {

    private static final double FROZEN_AT_SECONDS = 5;
    private static final Path ROOT = Path.of(System.getProperty("flopwatch.testPackages",
            System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
    private static final Path PYNVML_DIR = ROOT.resolve("usr/lib/python3/dist-packages");
    private static final Path READER = Path.of("src/test/python/pynvml_read.py");
    private static final Path SIM_LIBRARY = Path.of("target/classes/linux-x86-64/libnvidia-ml-sim.so");

    private final List<String> mismatches = new ArrayList<>();
    private int compared;

    /**
     * @param minimumCompared guards against a reader that silently read nothing: each scenario
     *                        gives at least this many values
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"two-devices.scenario, 150", "mig.scenario, 100"})
    void everyValueBothReadIsEqual(String scenarioName, int minimumCompared) throws Exception {
        assumeTrue(Files.isRegularFile(PYNVML_DIR.resolve("pynvml.py")), "Debian's pynvml not unpacked at " + PYNVML_DIR
                + " (run .ci/fetch-test-packages.sh)");
        assumeTrue(Files.isRegularFile(READER), "pynvml_read.py not found at " + READER.toAbsolutePath());
        assumeTrue(Files.isRegularFile(SIM_LIBRARY), "simulated library not built at " + SIM_LIBRARY.toAbsolutePath());
        Path scenario = SimulatedNvmlTest.scenario(scenarioName);
        JsonNode py = runPynvml(scenario);

        SimulatorControl.freezeClockAt(FROZEN_AT_SECONDS);
        try (NvmlSession nvml = NvmlSource.simulated(scenario).open()) {
            JsonNode system = py.get("system");
            SystemInfo info = nvml.system();
            check("system.driver_version", system.get("driver_version"), info.driverVersion());
            check("system.nvml_version", system.get("nvml_version"), info.nvmlVersion());
            check("system.cuda_driver_version_v2", system.get("cuda_driver_version_v2"), info.cudaDriverVersion());
            check("device_count", py.get("device_count"), nvml.deviceCount());
            for (JsonNode d : py.get("devices")) {
                compareDevice(nvml, d);
            }
        } finally {
            SimulatorControl.runClock();
        }
        assertTrue(mismatches.isEmpty(), "pynvml and flopwatch disagree:\n" + String.join("\n", mismatches));
        assertTrue(compared > minimumCompared, "only " + compared + " values compared");
        System.out.println("pynvml cross-check: " + compared + " values compared");
    }

    private void compareDevice(NvmlSession nvml, JsonNode d) {
        int i = d.get("index").asInt();
        String p = "devices[" + i + "].";
        GpuIdentity id = nvml.identity(i);
        DeviceSample s = nvml.sample(i);

        check(p + "index_from_handle", d.get("index_from_handle"), id.index());
        check(p + "name", d.get("name"), id.name());
        check(p + "uuid", d.get("uuid"), id.uuid());
        check(p + "serial", d.get("serial"), id.serial());
        JsonNode pci = d.get("pci");
        check(p + "pci.bus_id", pci.get("bus_id"), id.pciBusId());
        check(p + "pci.pci_device_id", pci.get("pci_device_id"), id.pciDeviceId());
        check(p + "pci.pci_subsystem_id", pci.get("pci_subsystem_id"), id.pciSubSystemId());
        check(p + "handle_by_pci_bus_id_index", d.get("handle_by_pci_bus_id_index"), nvml.indexOfPciBusId(id.pciBusId()));
        check(p + "handle_by_uuid_index", d.get("handle_by_uuid_index"), nvml.indexOfUuid(id.uuid()));
        check(p + "architecture", d.get("architecture"), id.architectureCode());
        JsonNode cc = d.get("cuda_compute_capability");
        check(p + "cuda_compute_capability[0]", cc.isNull() ? cc : cc.get(0), id.computeCapabilityMajor());
        check(p + "cuda_compute_capability[1]", cc.isNull() ? cc : cc.get(1), id.computeCapabilityMinor());
        check(p + "gpu_cores", d.get("gpu_cores"), id.gpuCoreCount());
        check(p + "minor_number", d.get("minor_number"), id.minorNumber());
        check(p + "memory.total_bytes", d.path("memory").path("total_bytes"), id.memoryTotalBytes());
        JsonNode mig = d.get("mig_mode");
        check(p + "mig_mode.current", mig.isNull() ? mig : mig.get("current"), id.migModeCurrent());
        check(p + "mig_mode.pending", mig.isNull() ? mig : mig.get("pending"), id.migModePending());

        JsonNode v2 = d.get("memory_v2");
        check(p + "memory_v2.total_bytes", v2.path("total_bytes"), s.memory().totalBytes());
        check(p + "memory_v2.reserved_bytes", v2.path("reserved_bytes"), s.memory().reservedBytes());
        check(p + "memory_v2.free_bytes", v2.path("free_bytes"), s.memory().freeBytes());
        check(p + "memory_v2.used_bytes", v2.path("used_bytes"), s.memory().usedBytes());
        JsonNode bar1 = d.get("bar1");
        check(p + "bar1.total_bytes", bar1.path("total_bytes"), s.memory().bar1TotalBytes());
        check(p + "bar1.free_bytes", bar1.path("free_bytes"), s.memory().bar1FreeBytes());
        check(p + "bar1.used_bytes", bar1.path("used_bytes"), s.memory().bar1UsedBytes());

        check(p + "utilization.gpu_percent", d.path("utilization").path("gpu_percent"), s.utilization().gpuPercent());
        check(p + "utilization.memory_percent", d.path("utilization").path("memory_percent"), s.utilization().memoryPercent());
        check(p + "encoder.util_percent", d.path("encoder").path("util_percent"), s.utilization().encoderPercent());
        check(p + "decoder.util_percent", d.path("decoder").path("util_percent"), s.utilization().decoderPercent());

        DeviceSample.Clocks c = s.clocks();
        checkConverted(p + "clock_graphics_mhz", d.get("clock_graphics_mhz"), mhz -> mhz * 1_000_000L, c.graphicsHertz());
        checkConverted(p + "clock_sm_mhz", d.get("clock_sm_mhz"), mhz -> mhz * 1_000_000L, c.smHertz());
        checkConverted(p + "clock_mem_mhz", d.get("clock_mem_mhz"), mhz -> mhz * 1_000_000L, c.memoryHertz());
        checkConverted(p + "clock_video_mhz", d.get("clock_video_mhz"), mhz -> mhz * 1_000_000L, c.videoHertz());
        checkConverted(p + "max_clock_graphics_mhz", d.get("max_clock_graphics_mhz"), mhz -> mhz * 1_000_000L, c.graphicsMaxHertz());
        checkConverted(p + "max_clock_sm_mhz", d.get("max_clock_sm_mhz"), mhz -> mhz * 1_000_000L, c.smMaxHertz());
        checkConverted(p + "max_clock_mem_mhz", d.get("max_clock_mem_mhz"), mhz -> mhz * 1_000_000L, c.memoryMaxHertz());
        checkConverted(p + "app_clock_graphics_mhz", d.get("app_clock_graphics_mhz"), mhz -> mhz * 1_000_000L, c.applicationsGraphicsHertz());
        checkConverted(p + "app_clock_mem_mhz", d.get("app_clock_mem_mhz"), mhz -> mhz * 1_000_000L, c.applicationsMemoryHertz());
        check(p + "pstate", d.get("pstate"), c.performanceState());
        check(p + "clocks_throttle_reasons", d.get("clocks_throttle_reasons"), c.eventReasons());

        DeviceSample.Power w = s.power();
        checkConverted(p + "power_milliwatts", d.get("power_milliwatts"), mw -> mw / 1000.0, w.usageWatts());
        checkConverted(p + "enforced_power_limit_milliwatts", d.get("enforced_power_limit_milliwatts"), mw -> mw / 1000.0,
                w.enforcedLimitWatts());
        checkConverted(p + "power_management_limit_milliwatts", d.get("power_management_limit_milliwatts"), mw -> mw / 1000.0,
                w.managementLimitWatts());
        checkConverted(p + "total_energy_millijoules", d.get("total_energy_millijoules"), mj -> mj / 1000.0, w.totalEnergyJoules());
        check(p + "temperature_gpu_celsius", d.get("temperature_gpu_celsius"), s.thermal().gpuTemperatureCelsius());
        check(p + "fan_speed_percent", d.get("fan_speed_percent"), s.thermal().fanSpeedPercent());

        DeviceSample.Pcie pcie = s.pcie();
        check(p + "pcie_tx_kilobytes_per_second", d.get("pcie_tx_kilobytes_per_second"), pcie.txKilobytesPerSecond());
        check(p + "pcie_rx_kilobytes_per_second", d.get("pcie_rx_kilobytes_per_second"), pcie.rxKilobytesPerSecond());
        check(p + "pcie_link_generation_current", d.get("pcie_link_generation_current"), pcie.linkGenerationCurrent());
        check(p + "pcie_link_generation_max", d.get("pcie_link_generation_max"), pcie.linkGenerationMax());
        check(p + "pcie_link_width_current", d.get("pcie_link_width_current"), pcie.linkWidthCurrent());
        check(p + "pcie_link_width_max", d.get("pcie_link_width_max"), pcie.linkWidthMax());

        List<Boolean> links = nvml.nvlinkActive(i);
        JsonNode pyLinks = d.get("nvlink_state");
        check(p + "nvlink_state.size", pyLinks.isNull() ? intNode(0) : intNode(pyLinks.size()), links.size());
        for (int l = 0; l < Math.min(links.size(), pyLinks.size()); l++) {
            check(p + "nvlink_state[" + l + "]", pyLinks.get(l), links.get(l) ? 1 : 0);
        }

        Reliability r = nvml.reliability(i);
        JsonNode ecc = d.get("ecc_errors");
        check(p + "ecc_corrected_volatile", ecc.get("ecc_corrected_volatile"), r.eccCorrectedVolatile());
        check(p + "ecc_uncorrected_volatile", ecc.get("ecc_uncorrected_volatile"), r.eccUncorrectedVolatile());
        check(p + "ecc_corrected_aggregate", ecc.get("ecc_corrected_aggregate"), r.eccCorrectedAggregate());
        check(p + "ecc_uncorrected_aggregate", ecc.get("ecc_uncorrected_aggregate"), r.eccUncorrectedAggregate());
        JsonNode sbe = d.get("retired_pages_multiple_single_bit");
        JsonNode dbe = d.get("retired_pages_double_bit");
        check(p + "retired_pages_multiple_single_bit", sbe.isArray() ? intNode(sbe.size()) : sbe, r.retiredPagesSingleBit());
        check(p + "retired_pages_double_bit", dbe.isArray() ? intNode(dbe.size()) : dbe, r.retiredPagesDoubleBit());
        JsonNode rr = d.get("remapped_rows");
        check(p + "remapped_rows.correctable", rr.path("correctable"), r.remappedRowsCorrectable());
        check(p + "remapped_rows.uncorrectable", rr.path("uncorrectable"), r.remappedRowsUncorrectable());
        check(p + "remapped_rows.pending", rr.path("pending"), r.remappingPending());
        check(p + "remapped_rows.failure_occurred", rr.path("failure_occurred"), r.remappingFailed());

        List<GpuProcess> processes = nvml.computeProcesses(i);
        JsonNode pyProcs = d.get("compute_processes");
        check(p + "compute_processes.size", intNode(pyProcs.size()), processes.size());
        for (int k = 0; k < Math.min(processes.size(), pyProcs.size()); k++) {
            JsonNode pp = pyProcs.get(k);
            GpuProcess jp = processes.get(k);
            String q = p + "compute_processes[" + k + "].";
            check(q + "pid", pp.get("pid"), jp.pid());
            check(q + "used_gpu_memory_bytes", pp.get("used_gpu_memory_bytes"), jp.usedGpuMemoryBytes());
            check(q + "gpu_instance_id", noMig(pp.get("gpu_instance_id")), jp.gpuInstanceId());
            check(q + "compute_instance_id", noMig(pp.get("compute_instance_id")), jp.computeInstanceId());
        }
        List<ProcessUtilization> utils = nvml.processUtilization(i, 0);
        JsonNode pyUtils = d.get("process_utilization");
        check(p + "process_utilization.size", pyUtils.isNull() ? intNode(0) : intNode(pyUtils.size()), utils.size());
        for (int k = 0; k < Math.min(utils.size(), pyUtils.size()); k++) {
            JsonNode pu = pyUtils.get(k);
            ProcessUtilization ju = utils.get(k);
            String q = p + "process_utilization[" + k + "].";
            check(q + "pid", pu.get("pid"), ju.pid());
            check(q + "timestamp_us", pu.get("timestamp_us"), ju.timestampMicros());
            check(q + "sm_percent", pu.get("sm_percent"), ju.smPercent());
            check(q + "memory_percent", pu.get("memory_percent"), ju.memoryPercent());
            check(q + "encoder_percent", pu.get("encoder_percent"), ju.encoderPercent());
            check(q + "decoder_percent", pu.get("decoder_percent"), ju.decoderPercent());
        }

        List<FieldValue.Request> requests = new ArrayList<>();
        List<JsonNode> pyFields = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : d.get("field_values").properties()) {
            JsonNode f = entry.getValue();
            requests.add(new FieldValue.Request(f.get("field_id").asInt(), (int) f.get("scope_id").asLong()));
            pyFields.add(f);
        }
        List<FieldValue> fields = nvml.fieldValues(i, requests);
        for (int k = 0; k < fields.size(); k++) {
            JsonNode pf = pyFields.get(k);
            FieldValue jf = fields.get(k);
            String q = p + "field_values[" + pf.get("field_id") + ":" + pf.get("scope_id") + "].";
            check(q + "nvml_return", pf.get("nvml_return"), jf.result().code());
            if (jf.result() == NvmlReturn.SUCCESS) {
                check(q + "timestamp_us", pf.get("timestamp_us"), jf.timestampMicros());
                check(q + "value_type", pf.get("value_type"), jf.valueType());
                check(q + "value", pf.get("value"), jf.valueType() == 0 ? jf.doubleValue() : jf.longValue());
            }
        }

        boolean gpm = nvml.gpmSupported(i);
        check(p + "gpm_supported", d.get("gpm_supported"), gpm);
        if (gpm) {
            List<JsonNode> pyMetrics = new ArrayList<>();
            d.get("gpm_metrics").elements().forEachRemaining(pyMetrics::add);
            int[] ids = pyMetrics.stream().mapToInt(m -> m.get("metric_id").asInt()).toArray();
            nvml.gpmMetrics(i, OptionalInt.empty(), ids); // the first sample opens the interval
            List<GpmMetric> metrics = nvml.gpmMetrics(i, OptionalInt.empty(), ids);
            check(p + "gpm_metrics.size", intNode(pyMetrics.size()), metrics.size());
            for (int k = 0; k < Math.min(metrics.size(), pyMetrics.size()); k++) {
                JsonNode pm = pyMetrics.get(k);
                GpmMetric jm = metrics.get(k);
                String q = p + "gpm_metrics[" + pm.get("metric_id") + "].";
                check(q + "nvml_return", pm.get("nvml_return"), jm.result().code());
                check(q + "value", pm.get("value"), jm.value());
                check(q + "unit", pm.get("unit"), jm.unit());
            }
        }
        compareMigDevices(nvml, i, d.get("mig_devices"), gpm);
    }

    /** MIG devices: pynvml walks the MIG device handles the same way the bindings do. */
    private void compareMigDevices(NvmlSession nvml, int i, JsonNode pyMigs, boolean gpm) {
        String p = "devices[" + i + "].mig_devices";
        List<MigDevice> migs = nvml.migDevices(i);
        check(p + ".size", intNode(pyMigs.size()), migs.size());
        for (int k = 0; k < Math.min(migs.size(), pyMigs.size()); k++) {
            JsonNode pm = pyMigs.get(k);
            MigDevice jm = migs.get(k);
            String q = p + "[" + k + "].";
            check(q + "mig_index", pm.get("mig_index"), jm.migIndex());
            check(q + "index_from_handle", pm.get("index_from_handle"), jm.migIndex());
            check(q + "is_mig_handle", pm.get("is_mig_handle"), 1);
            check(q + "parent_index", pm.get("parent_index"), jm.parentIndex());
            check(q + "uuid", pm.get("uuid"), jm.uuid());
            check(q + "name", pm.get("name"), jm.name());
            check(q + "gpu_instance_id", pm.get("gpu_instance_id"), jm.gpuInstanceId());
            check(q + "compute_instance_id", pm.get("compute_instance_id"), jm.computeInstanceId());
            JsonNode a = pm.path("attributes");
            check(q + "attributes.gpu_instance_slice_count", a.path("gpu_instance_slice_count"), jm.gpuInstanceSliceCount());
            check(q + "attributes.compute_instance_slice_count", a.path("compute_instance_slice_count"),
                    jm.computeInstanceSliceCount());
            check(q + "attributes.multiprocessor_count", a.path("multiprocessor_count"), jm.multiprocessorCount());
            checkConverted(q + "attributes.memory_size_mib", a.path("memory_size_mib"), mib -> mib,
                    jm.memoryTotalBytes().isPresent() ? OptionalLong.of(jm.memoryTotalBytes().getAsLong() >> 20) : OptionalLong.empty());
            check(q + "memory.total_bytes", pm.path("memory").path("total_bytes"), jm.memoryTotalBytes());
            check(q + "memory.used_bytes", pm.path("memory").path("used_bytes"), jm.memoryUsedBytes());
            JsonNode procs = pm.get("compute_processes");
            check(q + "compute_processes.size", intNode(procs.size()), jm.processes().size());
            for (int n = 0; n < Math.min(procs.size(), jm.processes().size()); n++) {
                GpuProcess jp = jm.processes().get(n);
                check(q + "compute_processes[" + n + "].pid", procs.get(n).get("pid"), jp.pid());
                check(q + "compute_processes[" + n + "].used_gpu_memory_bytes", procs.get(n).get("used_gpu_memory_bytes"),
                        jp.usedGpuMemoryBytes());
                check(q + "compute_processes[" + n + "].gpu_instance_id", noMig(procs.get(n).get("gpu_instance_id")),
                        jp.gpuInstanceId());
            }
            check(q + "utilization (NOT_SUPPORTED on a MIG device)", pm.get("utilization"), Optional.empty());
            if (gpm) {
                List<JsonNode> pyMetrics = new ArrayList<>();
                pm.get("gpm_metrics").elements().forEachRemaining(pyMetrics::add);
                int[] ids = pyMetrics.stream().mapToInt(m -> m.get("metric_id").asInt()).toArray();
                nvml.gpmMetrics(i, OptionalInt.of(jm.gpuInstanceId()), ids); // opens (or continues) the interval
                List<GpmMetric> metrics = nvml.gpmMetrics(i, OptionalInt.of(jm.gpuInstanceId()), ids);
                check(q + "gpm_metrics.size", intNode(pyMetrics.size()), metrics.size());
                for (int n = 0; n < Math.min(metrics.size(), pyMetrics.size()); n++) {
                    check(q + "gpm_metrics[" + pyMetrics.get(n).get("metric_id") + "].value", pyMetrics.get(n).get("value"),
                            metrics.get(n).value());
                }
            }
        }
    }

    // ---- comparison ---------------------------------------------------------------------------

    private static JsonNode intNode(int v) {
        return new ObjectMapper().getNodeFactory().numberNode(v);
    }

    /** pynvml shows MIG-off ids as 0xFFFFFFFF; the bindings as absent. */
    private static JsonNode noMig(JsonNode id) {
        return id.asLong() == 0xFFFFFFFFL ? new ObjectMapper().getNodeFactory().nullNode() : id;
    }

    private void checkConverted(String key, JsonNode py, LongFunction<Object> convert, Object java) {
        Object expected = py == null || py.isNull() || py.isMissingNode() ? null : convert.apply(py.asLong());
        compare(key, expected, normalize(java));
    }

    private void check(String key, JsonNode py, Object java) {
        Object expected;
        if (py == null || py.isNull() || py.isMissingNode()) {
            expected = null;
        } else if (py.isBoolean()) {
            expected = py.asBoolean();
        } else if (py.isIntegralNumber()) {
            expected = py.asLong();
        } else if (py.isNumber()) {
            expected = py.asDouble();
        } else {
            expected = py.asText();
        }
        compare(key, expected, normalize(java));
    }

    private void compare(String key, Object expected, Object actual) {
        compared++;
        boolean equal = expected == null ? actual == null
                : actual != null && (expected instanceof Number e && actual instanceof Number a
                        ? (e instanceof Double || a instanceof Double ? e.doubleValue() == a.doubleValue() : e.longValue() == a.longValue())
                        : expected.equals(actual));
        if (!equal) {
            mismatches.add(key + ": pynvml " + expected + ", flopwatch " + actual);
        }
    }

    private static Object normalize(Object v) {
        if (v instanceof OptionalInt o) {
            return o.isPresent() ? (Object) (long) o.getAsInt() : null;
        }
        if (v instanceof OptionalLong o) {
            return o.isPresent() ? (Object) o.getAsLong() : null;
        }
        if (v instanceof OptionalDouble o) {
            return o.isPresent() ? (Object) o.getAsDouble() : null;
        }
        if (v instanceof Optional<?> o) {
            return o.map(PynvmlCrossCheckTest::normalize).orElse(null);
        }
        if (v instanceof Integer n) {
            return (long) n;
        }
        return v;
    }

    private static JsonNode runPynvml(Path scenario) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("python3", READER.toString(), "--lib", SIM_LIBRARY.toAbsolutePath().toString(),
                "--pynvml", PYNVML_DIR.toString());
        pb.environment().put("PYTHONPATH", PYNVML_DIR.toString());
        pb.environment().put("FLOPWATCH_SIM_SCENARIO", scenario.toString());
        pb.environment().put("FLOPWATCH_SIM_CLOCK", "frozen:" + FROZEN_AT_SECONDS);
        Path stderr = Files.createTempFile("pynvml-read", ".err");
        pb.redirectError(stderr.toFile());
        Process process = pb.start();
        byte[] out = process.getInputStream().readAllBytes();
        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        Files.deleteIfExists(stderr);
        assertTrue(finished, "pynvml_read.py did not finish within 60 s");
        assertEquals(0, process.exitValue(), "pynvml_read.py failed:\n" + new String(out, StandardCharsets.UTF_8) + err);
        return new ObjectMapper().readTree(out);
    }
}
