package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DoctorTest {

    private static final NvmlReport.Device H100 =
            new NvmlReport.Device(0, "NVIDIA H100 80GB HBM3", "GPU-1", "Hopper", Optional.of(true));
    private static final NvmlReport.Device A100 =
            new NvmlReport.Device(1, "NVIDIA A100-SXM4-80GB", "GPU-2", "Ampere", Optional.of(false));

    private static NvmlReport working(NvmlReport.Device... devices) {
        return new NvmlReport("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", Optional.empty(), 0,
                "550.54.15", "12.550.54.15", "12.4", false, List.of(devices));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-1 | NVML library not found | Install the NVIDIA driver",
        " 9 | NVIDIA driver not loaded (NVML error 9: Driver Not Loaded) | modprobe nvidia",
        " 4 | no permission | /dev/nvidiactl",
        "18 | version mismatch | reboot",
    })
    void unavailableNvmlIsOneProblemWithAdvice(int code, String reason, String adviceFragment) {
        List<Finding> out = new ArrayList<>();
        Doctor.nvmlFindings(NvmlReport.unavailable("libnvidia-ml.so.1", code, reason), out);
        assertEquals(1, out.size());
        Finding f = out.get(0);
        assertEquals(Finding.Level.PROBLEM, f.level());
        assertTrue(f.detail().startsWith(reason), f.detail());
        assertTrue(f.advice().contains(adviceFragment), f.advice());
        assertTrue(Doctor.hasProblems(out));
    }

    @Test
    void gpmIsExplainedPerDevice() {
        List<Finding> out = new ArrayList<>();
        Doctor.nvmlFindings(working(H100, A100), out);
        assertFalse(Doctor.hasProblems(out));
        List<Finding> gpm = out.stream().filter(f -> f.check().equals("GPM")).toList();
        assertEquals(Finding.Level.OK, gpm.get(0).level());
        assertEquals(Finding.Level.WARN, gpm.get(1).level());
        assertTrue(gpm.get(1).advice().contains("CUPTI"));
    }

    @Test
    void noDevicesIsAProblem() {
        List<Finding> out = new ArrayList<>();
        Doctor.nvmlFindings(working(), out);
        assertTrue(Doctor.hasProblems(out));
    }

    @Test
    void restrictedProfilingWithoutPrivilegeSaysHowToGrantIt() {
        List<Finding> out = new ArrayList<>();
        long unprivileged = 0;
        Doctor.profilingFindings(Optional.of(true), OptionalLong.of(unprivileged), working(A100), out);
        assertEquals(Finding.Level.WARN, out.get(0).level());
        assertTrue(out.get(0).advice().contains("NVreg_RestrictProfilingToAdminUsers=0"));
        assertTrue(out.get(0).advice().contains("CAP_PERFMON"));

        out.clear();
        Doctor.profilingFindings(Optional.of(true), OptionalLong.of(1L << HostProbe.CAP_SYS_ADMIN), working(A100), out);
        assertEquals(Finding.Level.OK, out.get(0).level());
    }

    @Test
    void cuptiOnlyMattersWithoutGpm() {
        List<Finding> out = new ArrayList<>();
        Doctor.cuptiFindings(List.of(), working(H100), out);
        assertEquals(Finding.Level.INFO, out.get(0).level());
        out.clear();
        Doctor.cuptiFindings(List.of(), working(H100, A100), out);
        assertEquals(Finding.Level.WARN, out.get(0).level());
        out.clear();
        Doctor.cuptiFindings(List.of(Path.of("/usr/local/cuda/lib64/libcupti.so.13")), working(A100), out);
        assertEquals(Finding.Level.OK, out.get(0).level());
    }
}
