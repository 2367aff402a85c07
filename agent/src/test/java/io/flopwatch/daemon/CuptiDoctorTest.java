package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The CUPTI part of {@code doctor}: pure findings over a report, and the real probe on this machine. */
class CuptiDoctorTest {

    private static final NvmlReport.Device A100 =
            new NvmlReport.Device(0, "NVIDIA A100-SXM4-80GB", "GPU-2", "Ampere", Optional.of(false));

    private static NvmlReport working(NvmlReport.Device... devices) {
        return new NvmlReport("libnvidia-ml.so.1", Optional.empty(), 0, "550.54.15", "12.550.54.15", "12.4", false,
                List.of(devices));
    }

    private static CuptiReport report(Optional<String> driverProblem, CuptiReport.DeviceChip... devices) {
        return new CuptiReport(Optional.empty(), "/usr/local/cuda/lib64/libcupti.so.13", 130001,
                List.of("GA100", "GH100"), driverProblem, List.of(devices));
    }

    @Test
    void eachGpusChipAndMetricSetAreReported() {
        List<Finding> out = new ArrayList<>();
        Doctor.cuptiReportFindings(report(Optional.empty(),
                new CuptiReport.DeviceChip(0, Optional.of("GA100"), Optional.of("GA100"), ""),
                new CuptiReport.DeviceChip(1, Optional.of("GV100"), Optional.empty(), ""),
                new CuptiReport.DeviceChip(2, Optional.empty(), Optional.empty(), "CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED")),
                working(A100), out);
        assertEquals(4, out.size(), out.toString());
        assertTrue(out.get(0).detail().contains("130001"), out.get(0).detail());
        assertTrue(out.get(1).detail().contains("GA100") && out.get(1).level() == Finding.Level.OK);
        assertEquals(Finding.Level.WARN, out.get(2).level());
        assertTrue(out.get(2).detail().contains("Turing"), out.get(2).detail());
        assertTrue(out.get(3).advice().contains("MIG"), out.get(3).advice());
        assertFalse(Doctor.hasProblems(out));
    }

    @Test
    void aMissingDriverIsInformationNotAProblem() {
        List<Finding> out = new ArrayList<>();
        Doctor.cuptiReportFindings(report(Optional.of("libcuda.so.1: cannot open shared object file")), working(A100), out);
        assertEquals(Finding.Level.INFO, out.get(1).level());
        assertTrue(out.get(1).detail().contains("libcuda.so.1"), out.get(1).detail());
    }

    @Test
    void missingCuptiWarnsOnlyWhereSomeGpuLacksGpm() {
        List<Finding> out = new ArrayList<>();
        Doctor.cuptiReportFindings(CuptiReport.unavailable("libcupti not found"), working(A100), out);
        assertEquals(1, out.size());
        assertEquals(Finding.Level.WARN, out.get(0).level());
        out.clear();
        Doctor.cuptiReportFindings(CuptiReport.unavailable("libcupti not found"),
                working(new NvmlReport.Device(0, "NVIDIA H100", "GPU-1", "Hopper", Optional.of(true))), out);
        assertTrue(out.isEmpty());
    }

    @Test
    void theRealProbeReadsTheHostApiAndSaysWhyNoGpuCanBeSampled() {
        CuptiReport r = CuptiReport.probe(Optional.empty());
        assumeTrue(r.unavailable().isEmpty(), "CUPTI not found: " + r.unavailable().orElse(""));
        assertEquals(30, r.supportedChips().size(), "CUPTI 13.0 lists 30 chips (reference/cupti-pm-sampling.md)");
        assertTrue(r.apiVersion() > 0);
        // No NVIDIA driver on CI machines: libcuda.so.1 is absent and doctor must say so.
        if (r.cudaDriverProblem().isPresent()) {
            assertTrue(r.devices().isEmpty());
        }
    }
}
