package io.flopwatch.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GpuAnalyzerTest {

    /**
     * PCI Express Base Specification transfer rates: 2.5 / 5 GT/s with 8b/10b encoding, 8 / 16 / 32
     * GT/s with 128b/130b; × lanes × 2 directions. Gen 4 x16 ≈ 31.5 GB/s per direction and gen 5
     * x16 ≈ 63 GB/s per direction are the figures NVIDIA's datasheets quote as 64 / 128 GB/s.
     */
    @ParameterizedTest
    @CsvSource({
        "1, 16, 8.0e9",           // 16 lanes × 250 MB/s × 2
        "2, 8, 8.0e9",            // 8 × 500 MB/s × 2
        "3, 16, 31.50769e9",      // 16 × 984.6 MB/s × 2
        "4, 16, 63.01538e9",
        "5, 16, 126.03077e9",
        "5, 8, 63.01538e9",
    })
    void pcieBandwidth(int generation, int width, double bytesPerSecond) {
        assertEquals(bytesPerSecond, GpuAnalyzer.pcieBandwidthBytesPerSecond(OptionalInt.of(generation),
                OptionalInt.of(width)), 1e4);
    }

    @ParameterizedTest
    @CsvSource({"0, 16", "7, 16", "5, 0"})
    void unknownLinksHaveNoBandwidth(int generation, int width) {
        assertTrue(Double.isNaN(GpuAnalyzer.pcieBandwidthBytesPerSecond(OptionalInt.of(generation),
                OptionalInt.of(width))));
    }
}
