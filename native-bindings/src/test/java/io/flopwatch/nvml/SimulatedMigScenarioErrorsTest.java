package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MIG layouts NVML could not report are refused when the simulated library loads the scenario,
 * with the problem in the message (slice limits: NVIDIA MIG user guide, A100 / H100 have 7
 * compute slices; profiles 1g, 2g, 3g, 4g, 7g).
 */
class SimulatedMigScenarioErrorsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "mig_mode 0 0;mig_instance 1 0 3g.40gb uuid=MIG-a memory_total_bytes=1GiB | declares mig_instance lines but not mig_mode 1",
        "mig_mode 1 1;mig_instance 1 0 5g.40gb uuid=MIG-a memory_total_bytes=1GiB | bad MIG profile '5g.40gb'",
        "mig_mode 1 1;mig_instance 1 0 3g.40gb uuid=GPU-a memory_total_bytes=1GiB | a MIG device uuid starts with MIG-",
        "mig_mode 1 1;mig_instance 1 0 7g.80gb uuid=MIG-a memory_total_bytes=1GiB;mig_instance 2 0 1g.10gb uuid=MIG-b memory_total_bytes=1GiB | its GPU instances use 8 slices, more than the GPU's 7",
        "mig_mode 1 1;mig_instance 1 0 2g.20gb uuid=MIG-a memory_total_bytes=1GiB;mig_instance 1 1 2g.20gb uuid=MIG-b memory_total_bytes=1GiB | the compute instances of GPU instance 1 use 4 slices, more than its 2",
        "mig_mode 1 1;mig_instance 1 0 2g.20gb uuid=MIG-a memory_total_bytes=1GiB;process 7 used_bytes=1 | process 7 needs gpu_instance=/compute_instance= of a declared mig_instance",
        "mig_mode 1 1;mig_gpm_metric 3 sm_util 5 | no mig_instance with GPU instance id 3",
    })
    void isRefused(String lines, String problem) throws IOException {
        Path file = dir.resolve("bad.scenario");
        Files.writeString(file, """
                device
                name Test GPU (Simulated)
                uuid GPU-00000000-0000-4000-8000-000000000001
                pci_bus_id 00000000:18:00.0
                memory_total_bytes 80GiB
                """ + lines.replace(';', '\n') + "\n");
        SimulatorScenarioException e = assertThrows(SimulatorScenarioException.class,
                () -> NvmlSource.simulated(file).open().close());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
