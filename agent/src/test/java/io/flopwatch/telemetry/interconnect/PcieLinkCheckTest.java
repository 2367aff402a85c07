package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.telemetry.interconnect.PcieLinkCheck.Verdict;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PcieLinkCheckTest {

    // Rule: nvidia-smi "GPU Link information": current generation and width "may be reduced when the
    // GPU is not in use" (idle downshift expected); below the maximum while busy is degradation.
    @ParameterizedTest(name = "gen {0}/{1} x{2}/x{3} busy={4}: {5}")
    @CsvSource(delimiter = '|', textBlock = """
            # H100 PCIe under load at Gen5 x16: full
            5 | 5 | 16 | 16 | true  | FULL
            # idle H100 at Gen1: the documented power-saving downshift
            1 | 5 | 16 | 16 | false | GENERATION_DOWNSHIFTED_AT_IDLE
            # still Gen1 under load: degraded
            1 | 5 | 16 | 16 | true  | GENERATION_DEGRADED
            # trained at x8 (bad riser / reseat)
            5 | 5 | 8  | 16 | true  | WIDTH_DEGRADED
            4 | 5 | 8  | 16 | true  | GENERATION_AND_WIDTH_DEGRADED
            # narrow while idle: suspicious, not yet conclusive
            5 | 5 | 8  | 16 | false | WIDTH_REDUCED_AT_IDLE
            # Gen5 GPU in a Gen4 slot: NVML's max is the system's, 4, so not degraded
            4 | 4 | 16 | 16 | true  | FULL
            # SXM parts report 0 for max on some drivers: cannot judge
            4 | 0 | 16 | 16 | true  | UNKNOWN
            """)
    void verdict(int gen, int maxGen, int width, int maxWidth, boolean busy, Verdict expected) {
        DeviceSample.Pcie pcie = new DeviceSample.Pcie(OptionalLong.empty(), OptionalLong.empty(), OptionalInt.of(gen),
                OptionalInt.of(width), OptionalInt.of(maxGen), OptionalInt.of(maxWidth));
        assertEquals(expected, PcieLinkCheck.check(pcie, busy));
        assertEquals(expected == Verdict.GENERATION_DEGRADED || expected == Verdict.WIDTH_DEGRADED
                || expected == Verdict.GENERATION_AND_WIDTH_DEGRADED, expected.degraded());
    }

    @ParameterizedTest(name = "missing values: {0}")
    @CsvSource({"true", "false"})
    void unknownWithoutAllFourValues(boolean busy) {
        DeviceSample.Pcie pcie = new DeviceSample.Pcie(OptionalLong.empty(), OptionalLong.empty(), OptionalInt.of(4),
                OptionalInt.empty(), OptionalInt.of(4), OptionalInt.of(16));
        assertEquals(Verdict.UNKNOWN, PcieLinkCheck.check(pcie, busy));
    }

    // PCI-SIG rates and line codes: Gen3 x16 = 8 GT/s × 128/130 × 16 / 8 = 15.75 GB/s; Gen4 x16 =
    // 31.5 GB/s; Gen5 x16 = 63.0 GB/s (the figures usually quoted as "~16/32/64 GB/s per direction");
    // Gen1 x16 = 2.5 GT/s × 8/10 × 16 / 8 = 4 GB/s.
    @ParameterizedTest(name = "gen {0} x{1}")
    @CsvSource(delimiter = '|', textBlock = """
            1 | 16 | 4.0e9
            2 | 16 | 8.0e9
            3 | 16 | 15.753846153846154e9
            4 | 16 | 31.507692307692308e9
            5 | 16 | 63.015384615384615e9
            5 | 8  | 31.507692307692308e9
            6 | 16 |
            """)
    void bandwidth(int gen, int width, Double bytesPerSecond) {
        OptionalDouble got = PcieLinkCheck.bandwidthBytesPerSecondPerDirection(gen, width);
        if (bytesPerSecond == null) {
            assertEquals(OptionalDouble.empty(), got);
        } else {
            assertEquals(bytesPerSecond, got.getAsDouble(), 1);
        }
    }
}
