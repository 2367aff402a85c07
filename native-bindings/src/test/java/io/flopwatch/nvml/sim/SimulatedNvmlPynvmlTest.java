package io.flopwatch.nvml.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reads the simulated NVML library with a real peer binding, Debian's pynvml, and checks that
 * what it reads is what the scenario says. Every expected value is a line of
 * src/test/resources/scenarios/two-devices.scenario (or a formula over those lines, written
 * out); time is frozen at t = 5 s so the cumulative counters are exact.
 */
class SimulatedNvmlPynvmlTest {
    private static Map<String, String> read;

    @BeforeAll
    static void readWithPynvml() {
        PythonRun.Result result = PythonRun.run(
                Map.of("FLOPWATCH_SIM_SCENARIO", PythonRun.scenario("two-devices.scenario").toString(),
                        "FLOPWATCH_SIM_CLOCK", "frozen:5"),
                PythonRun.command(PythonRun.script("pynvml_read.py"),
                                "--lib", PythonRun.simulatedLibrary().toString(),
                                "--pynvml", PythonRun.pynvmlDirectory().toString(),
                                "--format", "flat")
                        .toArray(String[]::new));
        assertEquals(0, result.exitStatus(), result.output());
        read = result.flat();
    }

    @ParameterizedTest(name = "{0} = {1}  ({2})")
    @CsvSource(delimiter = '|', textBlock = """
            system.driver_version                        | 535.261.03                            | driver_version
            system.nvml_version                          | 12.535.261.03                         | nvml_version
            system.cuda_driver_version                   | 12020                                 | cuda_driver_version (12.2)
            device_count                                 | 2                                     | two device blocks
            devices.0.name                               | NVIDIA H100 80GB HBM3 (Simulated)     | name
            devices.0.uuid                               | GPU-5afe0000-0000-4000-8000-000000000000 | uuid
            devices.0.serial                             | 1650000000001                         | serial
            devices.0.pci.bus_id                         | 00000000:18:00.0                      | pci_bus_id
            devices.0.pci.bus_id_legacy                  | 0000:18:00.0                          | NVML's %04X:%02X:%02X.0
            devices.0.pci.bus                            | 24                                    | 0x18
            devices.0.pci.pci_device_id                  | 590352606                             | 0x233010DE
            devices.0.pci.pci_subsystem_id               | 381751518                             | 0x16C110DE
            devices.0.handle_by_pci_bus_id_index         | 0                                     | lookup by bus id
            devices.0.handle_by_uuid_index               | 0                                     | lookup by uuid
            devices.0.architecture                       | 9                                     | hopper = NVML_DEVICE_ARCH_HOPPER
            devices.0.cuda_compute_capability.0          | 9                                     | compute_capability 9.0
            devices.0.gpu_cores                          | 16896                                 | gpu_cores
            devices.0.minor_number                       | 0                                     | minor_number
            devices.0.memory.total_bytes                 | 85520809984                           | 81559MiB
            devices.0.memory.used_bytes                  | 42949672960                           | 40GiB
            devices.0.memory.free_bytes                  | 42571137024                           | 81559 MiB - 40 GiB
            devices.0.memory_v2.reserved_bytes           | 536870912                             | 512MiB
            devices.0.memory_v2.used_bytes               | 42949672960                           | v2 used includes reserved (NVML docs)
            devices.0.bar1.total_bytes                   | 137438953472                          | 128GiB
            devices.0.bar1.used_bytes                    | 2097152                               | 2MiB
            devices.0.utilization.gpu_percent            | 97                                    | gpu_util_percent
            devices.0.utilization.memory_percent         | 45                                    | memory_util_percent
            devices.0.encoder.util_percent               | 0                                     | encoder_util_percent
            devices.0.clock_sm_mhz                       | 1755                                  | clock_mhz sm
            devices.0.clock_mem_mhz                      | 2619                                  | clock_mhz mem
            devices.0.max_clock_sm_mhz                   | 1980                                  | max_clock_mhz sm
            devices.0.app_clock_graphics_mhz             | 1755                                  | app_clock_mhz graphics
            devices.0.app_clock_sm_mhz                   | null                                  | not in the scenario
            devices.0.errors.app_clock_sm_mhz            | 3                                     | NVML_ERROR_NOT_SUPPORTED
            devices.0.pstate                             | 0                                     | pstate
            devices.0.clocks_throttle_reasons            | 4                                     | 0x4 SwPowerCap
            devices.0.power_milliwatts                   | 650000                                | power_mw
            devices.0.power_management_limit_milliwatts  | 700000                                | power_limit_mw
            devices.0.enforced_power_limit_milliwatts    | 700000                                | defaults to power_limit_mw
            devices.0.total_energy_millijoules           | 4250000                               | 1000000 mJ offset + 650 W x 5 s
            devices.0.temperature_gpu_celsius            | 62                                    | temperature_c
            devices.0.fan_speed_percent                  | null                                  | SXM part: no fan_percent line
            devices.0.errors.fan_speed_percent           | 3                                     | NVML_ERROR_NOT_SUPPORTED
            devices.0.pcie_tx_kilobytes_per_second       | 2048                                  | pcie_tx_kbps
            devices.0.pcie_rx_kilobytes_per_second       | 4096                                  | pcie_rx_kbps
            devices.0.pcie_link_generation_max           | 5                                     | pcie_gen 5 5
            devices.0.pcie_link_width_current            | 16                                    | pcie_width 16 16
            devices.0.nvlink_state.size                  | 18                                    | nvlink_links 18
            devices.0.ecc_errors.ecc_corrected_volatile  | 3                                     | ecc corrected volatile 3
            devices.0.ecc_errors.ecc_uncorrected_aggregate | 1                                   | ecc uncorrected aggregate 1
            devices.0.remapped_rows.correctable          | 2                                     | remapped_rows 2 1 0 0
            devices.0.remapped_rows.uncorrectable        | 1                                     | remapped_rows 2 1 0 0
            devices.0.mig_mode.current                   | 0                                     | mig_mode 0 0
            devices.0.compute_processes.size             | 2                                     | two process lines
            devices.0.compute_processes.0.pid            | 4242                                  | process 4242
            devices.0.compute_processes.0.used_gpu_memory_bytes | 40802189312                    | 38GiB
            devices.0.compute_processes.0.gpu_instance_id | 4294967295                           | 0xFFFFFFFF without MIG
            devices.0.process_utilization.size           | 1                                     | only pid 4242 has sm=/mem=
            devices.0.process_utilization.0.sm_percent   | 90                                    | sm=90
            devices.0.process_utilization.0.timestamp_us | 1700000005000000                      | (epoch_unix_seconds + 5 s) in us
            devices.0.field_values.138:0.value           | 5120000                               | 18432000 KiB/s / 18 links x 5 s
            devices.0.field_values.138:4294967295.value  | 92160000                              | 18432000 KiB/s x 5 s
            devices.0.field_values.91:0.value            | 18                                    | NVML_FI_DEV_NVLINK_LINK_COUNT
            devices.0.field_values.83:0.value            | 4250000                               | total energy field = the call
            devices.0.field_values.165:0.value           | 1                                     | field 165 1 type=uint
            devices.0.gpm_supported                      | true                                  | gpm on
            devices.0.gpm_metrics.sm_util.value          | 88.0                                  | gpm_metric sm_util 88
            devices.0.gpm_metrics.any_tensor_util.value  | 55.0                                  | gpm_metric any_tensor_util 55
            devices.0.gpm_metrics.dram_bw_util.value     | 35.0                                  | gpm_metric dram_bw_util 35
            devices.0.gpm_metrics.nvlink_total_tx_per_sec.value | 18000.0                        | 18432000 KiB/s / 1024
            devices.0.gpm_metrics.pcie_rx_per_sec.value  | 4.0                                   | 4096 KB/s / 1024
            devices.1.name                               | NVIDIA A100-SXM4-80GB (Simulated)     | name
            devices.1.architecture                       | 7                                     | ampere
            devices.1.pci.bus_id                         | 00000000:3B:00.0                      | pci_bus_id
            devices.1.memory.total_bytes                 | 85899345920                           | 81920MiB
            devices.1.max_clock_sm_mhz                   | 1410                                  | max_clock_mhz sm
            devices.1.power_management_limit_milliwatts  | 400000                                | power_limit_mw
            devices.1.total_energy_millijoules           | 450000                                | 90 W x 5 s
            devices.1.clocks_throttle_reasons            | 1                                     | 0x1 GpuIdle
            devices.1.nvlink_state.size                  | 12                                    | nvlink_links 12
            devices.1.nvlink_state.11                    | 0                                     | nvlink_down 11
            devices.1.compute_processes.size             | 0                                     | no process lines
            devices.1.errors.process_utilization         | 6                                     | no samples: NVML_ERROR_NOT_FOUND
            devices.1.gpm_supported                      | false                                 | Ampere: GPM is Hopper and newer
            devices.1.errors.encoder                     | 3                                     | no encoder_util_percent line
            """)
    void pynvmlReadsWhatTheScenarioSays(String key, String expected, String source) {
        assertTrue(read.containsKey(key), "pynvml_read.py printed no " + key);
        assertEquals(expected, read.get(key), key + " (scenario: " + source + ")");
    }

    @Test
    void shippedDemoScenarioReadsAsEightSimulatedH100s() {
        // config/scenarios/ ships with the product (flopwatch demo); surefire runs in native-bindings/.
        Path demo = Path.of("../config/scenarios/demo-8x-h100-training.scenario").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(demo), "missing " + demo);
        PythonRun.Result result = PythonRun.run(
                Map.of("FLOPWATCH_SIM_SCENARIO", demo.toString(), "FLOPWATCH_SIM_CLOCK", "frozen:100"),
                PythonRun.command(PythonRun.script("pynvml_read.py"),
                                "--lib", PythonRun.simulatedLibrary().toString(),
                                "--pynvml", PythonRun.pynvmlDirectory().toString(),
                                "--format", "flat")
                        .toArray(String[]::new));
        assertEquals(0, result.exitStatus(), result.output());
        Map<String, String> flat = result.flat();
        assertEquals("8", flat.get("device_count"), "8 x H100 SXM5 (the scenario's device blocks)");
        for (int i = 0; i < 8; i++) {
            String d = "devices." + i + ".";
            assertTrue(flat.get(d + "name").endsWith("(Simulated)"), flat.get(d + "name"));
            // H100 SXM5 facts cited in the scenario: 132 SMs x 128 FP32 cores, 700 W, 18 NVLinks.
            assertEquals("16896", flat.get(d + "gpu_cores"));
            assertEquals("700000", flat.get(d + "power_management_limit_milliwatts"));
            assertEquals("18", flat.get(d + "nvlink_state.size"));
            assertEquals("1980", flat.get(d + "max_clock_sm_mhz"));
            assertEquals("true", flat.get(d + "gpm_supported"));
            assertEquals("1", flat.get(d + "compute_processes.size"), "one training process per GPU");
            assertEquals("null", flat.get(d + "fan_speed_percent"), "SXM parts have no fan");
        }
    }

    @Test
    void badScenarioFailsInitWithFileAndLine() {
        PythonRun.Result result = PythonRun.run(
                Map.of("FLOPWATCH_SIM_SCENARIO", PythonRun.scenario("bad-value.scenario").toString()),
                PythonRun.command(PythonRun.script("pynvml_read.py"),
                                "--lib", PythonRun.simulatedLibrary().toString(),
                                "--pynvml", PythonRun.pynvmlDirectory().toString(),
                                "--format", "flat")
                        .toArray(String[]::new));
        assertEquals(2, result.exitStatus(), result.output());
        Map<String, String> flat = result.flat();
        assertEquals("999", flat.get("init_error"), "NVML_ERROR_UNKNOWN");
        assertTrue(flat.get("sim_last_error").contains("bad-value.scenario:7: 'forty'"), flat.get("sim_last_error"));
    }
}
