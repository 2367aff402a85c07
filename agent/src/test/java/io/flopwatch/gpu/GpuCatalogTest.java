package io.flopwatch.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.InputError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GpuCatalogTest {

    private static final GpuCatalog CATALOG = GpuCatalog.builtIn();

    @ParameterizedTest
    @ValueSource(strings = {"v100-sxm", "a100-sxm-80gb", "a100-sxm-40gb", "a100-pcie-80gb", "a100-pcie-40gb", "a10",
        "a10g", "l4", "l40s", "h100-sxm", "h100-pcie", "h100-nvl", "h200", "h20", "gh200", "b200", "b300", "gb200",
        "gb300", "rtx-4090", "rtx-6000-ada"})
    void theIssueListsTheseAtLeast(String id) {
        GpuSpec g = CATALOG.find(id).orElseThrow();
        assertFalse(g.source().isBlank(), id + " cites its datasheet");
        assertTrue(g.memoryBytes() > 0 && g.memoryBandwidthBytesPerSecond() > 0, id);
        assertFalse(g.nvmlNames().isEmpty(), id + " has NVML names");
    }

    // Maximum board power from each datasheet named in config/gpus.yaml's tdp_source.
    @ParameterizedTest(name = "{0}: {1} W")
    @CsvSource(delimiter = '|', textBlock = """
            v100-sxm       | 300  | V100 GPU datasheet, SXM2: max power consumption 300 W
            v100-pcie      | 250  | V100 GPU datasheet, PCIe: 250 W
            a100-sxm-80gb  | 400  | A100 datasheet, 80GB SXM: max TDP 400 W
            a100-pcie-80gb | 300  | A100 datasheet, 80GB PCIe: 300 W
            a100-pcie-40gb | 250  | A100 datasheet (2020), 40GB PCIe: 250 W
            a10            | 150  | A10 datasheet: max TDP 150 W
            l4             | 72   | L4 datasheet: max TDP 72 W
            l40s           | 350  | L40S datasheet: max power 350 W
            h100-sxm       | 700  | H100 datasheet, SXM: up to 700 W
            h100-pcie      | 350  | H100 PCIe product brief: max TDP 350 W
            h100-nvl       | 400  | H100 datasheet, NVL: 350-400 W, upper end
            h200           | 700  | H200 datasheet, SXM: up to 700 W
            h200-nvl       | 600  | H200 datasheet, NVL: up to 600 W
            b200           | 1000 | HGX B200 datasheet: up to 1,000 W per GPU
            rtx-4090       | 450  | GeForce RTX 4090 specifications: total graphics power 450 W
            rtx-6000-ada   | 300  | RTX 6000 Ada datasheet: max power 300 W
            """)
    void boardPowerFromTheDatasheet(String id, double watts, String source) {
        GpuSpec g = CATALOG.find(id).orElseThrow();
        assertEquals(watts, g.tdpWatts().orElseThrow(), source);
        assertFalse(g.tdpSource().isBlank(), id + " cites where its board power comes from");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a10g", "h20", "gh200"})
    void boardPowerIsAbsentWithoutAPerGpuDatasheetFigure(String id) {
        assertTrue(CATALOG.find(id).orElseThrow().tdpWatts().isEmpty(), id);
    }

    @Test
    void everyEntryIsSane() {
        for (GpuSpec g : CATALOG.entries()) {
            // Tensor bf16/fp16 is never slower than plain fp32, and fp8 is twice bf16 on every
            // part that has both (Hopper, Ada, Blackwell datasheets): a quick guard against a
            // sparse figure slipping in un-halved for one precision only.
            g.densePeak(Precision.BF16).ifPresent(bf16 ->
                    assertTrue(bf16 >= g.densePeak(Precision.FP32).orElse(0.0), g.id()));
            g.densePeak(Precision.FP8).ifPresent(fp8 ->
                    assertEquals(2.0, fp8 / g.densePeak(Precision.BF16).orElseThrow(), 0.03, g.id()));
        }
    }

    @Test
    void tensorPeaksAreWholeFlopsPerClockPerSm() {
        // Dense fp16/bf16 tensor FLOP per clock per SM is a power of two on every NVIDIA part
        // (V100 1024, A100 2048, H100 4096, GA102/AD102 GeForce-rate 512 ...: Volta/Ampere/Hopper
        // whitepapers), so peak / (SMs × tensor clock) checks the SM count, clock and peak together.
        for (GpuSpec g : CATALOG.entries()) {
            if (g.smCount() == 0 || g.tensorClockHz() == 0) {
                continue;
            }
            double peak = g.densePeak(Precision.BF16).or(() -> g.densePeak(Precision.FP16)).orElseThrow();
            double perClockPerSm = peak / (g.smCount() * g.tensorClockHz());
            double nearestPowerOfTwo = Math.pow(2, Math.rint(Math.log(perClockPerSm) / Math.log(2)));
            assertEquals(nearestPowerOfTwo, perClockPerSm, nearestPowerOfTwo * 0.015, g.id());
        }
    }

    @ParameterizedTest(name = "{0} {1} = {2} TFLOP/s")
    @CsvSource({
        // NVIDIA H100 datasheet, SXM: BF16 1979* (with sparsity) → 989.5 dense; FP8 3958* → 1979; TF32 989* → 494.5
        "h100-sxm, bf16, 989.5",
        "h100-sxm, fp8, 1979",
        "h100-sxm, tf32, 494.5",
        "h100-sxm, fp64_tensor, 67",
        // H100 PCIe: BF16 1513* → 756
        "h100-pcie, bf16, 756",
        // A100 datasheet: BF16 312 dense (624 with sparsity); FP64 Tensor 19.5
        "a100-sxm-80gb, bf16, 312",
        "a100-sxm-40gb, fp64_tensor, 19.5",
        // V100 datasheet SXM2: tensor 125
        "v100-sxm, fp16, 125",
        // H200 datasheet: same compute as H100 SXM
        "h200, bf16, 989.5",
        // HGX B200 datasheet: FP16/BF16 4.5 PF* → 2.25; FP4 18 PF* → 9
        "b200, bf16, 2250",
        "b200, fp4, 9000",
        // GB200 NVL72 datasheet per GPU: FP16/BF16 5 PF* → 2.5
        "gb200, bf16, 2500",
        // L4 datasheet: BF16 242* → 121; L40S: 362.05 dense
        "l4, bf16, 121",
        "l40s, bf16, 362.05",
        // Ada whitepaper RTX 4090: BF16 with FP32 accumulate 165.2 dense
        "rtx-4090, bf16, 165.2",
    })
    void densePeaksAreTheDatasheetsHalvedWhereSparse(String id, String precision, double tflops) {
        double peak = GpuCatalog.requirePeak(CATALOG.find(id).orElseThrow(), Precision.fromKey(precision).orElseThrow());
        assertEquals(tflops * 1e12, peak, 1e6);
    }

    @ParameterizedTest(name = "\"{0}\" → {1}")
    @CsvSource({
        "NVIDIA H100 80GB HBM3, h100-sxm",
        "NVIDIA H100 PCIe, h100-pcie",
        "NVIDIA H100 NVL, h100-nvl",
        "NVIDIA H200, h200",
        "NVIDIA H200 NVL, h200-nvl",
        "NVIDIA A100-SXM4-80GB, a100-sxm-80gb",
        "NVIDIA A100-SXM4-40GB, a100-sxm-40gb",
        "NVIDIA A100 80GB PCIe, a100-pcie-80gb",
        "NVIDIA A100-PCIE-40GB, a100-pcie-40gb",
        "Tesla V100-SXM2-32GB, v100-sxm",
        "Tesla V100-PCIE-16GB, v100-pcie",
        "NVIDIA A10, a10",
        "NVIDIA A10G, a10g",
        "NVIDIA L4, l4",
        "NVIDIA L40S, l40s",
        "NVIDIA GH200 480GB, gh200",
        "NVIDIA B200, b200",
        "NVIDIA GB200, gb200",
        "NVIDIA GeForce RTX 4090, rtx-4090",
        "NVIDIA RTX 6000 Ada Generation, rtx-6000-ada",
        "h100-sxm, h100-sxm",
        "H100-SXM, h100-sxm",
    })
    void nvmlNamesAndIdsFindTheirEntry(String name, String id) {
        assertEquals(id, CATALOG.find(name).orElseThrow().id());
    }

    @Test
    void theLiveAgentLooksPeaksUpByNvmlName() {
        assertEquals(989.5e12, CATALOG.densePeakFlops("NVIDIA H200", Precision.BF16).orElseThrow(), 1);
        assertEquals(989.5e12 / 2, CATALOG.clockAwarePeakFlops("NVIDIA H200", Precision.BF16, 915e6).orElseThrow(), 1);
        assertTrue(CATALOG.densePeakFlops("NVIDIA Quadro K2000", Precision.BF16).isEmpty());
    }

    @Test
    void anUnknownGpuIsAnInputError() {
        assertTrue(CATALOG.find("NVIDIA Quadro K2000").isEmpty());
        InputError e = assertThrows(InputError.class, () -> CATALOG.require("--gpu", "NVIDIA Quadro K2000"));
        assertTrue(e.getMessage().startsWith("--gpu: unknown GPU 'NVIDIA Quadro K2000'"), e.getMessage());
        InputError noBf16 = assertThrows(InputError.class,
                () -> GpuCatalog.requirePeak(CATALOG.find("v100-sxm").orElseThrow(), Precision.BF16));
        assertTrue(noBf16.getMessage().contains("v100-sxm has no bf16 peak"), noBf16.getMessage());
    }

    @Test
    void clockAwarePeakScalesWithTheSmClock() {
        GpuSpec h100 = CATALOG.find("h100-sxm").orElseThrow();
        // datasheet peak × current SM clock / boost clock: 989.5 × 1500 / 1980
        // Tensor peaks assume 1830 MHz on H100 SXM (989.4 TF = 132 SMs x 4096 FLOP/clk x 1.83 GHz,
        // NVIDIA H100 whitepaper); fp32 assumes the 1980 MHz boost clock.
        assertEquals(989.5e12 * 1500 / 1830, h100.clockAwarePeak(Precision.BF16, 1500e6).orElseThrow(), 1e3);
        assertEquals(67e12 * 1500 / 1980, h100.clockAwarePeak(Precision.FP32, 1500e6).orElseThrow(), 1e3);
        // Above the clock the peak assumes, the datasheet peak is the cap.
        assertEquals(989.5e12, h100.clockAwarePeak(Precision.BF16, 1980e6).orElseThrow(), 1e3);
        assertTrue(CATALOG.find("b200").orElseThrow().clockAwarePeak(Precision.BF16, 1e9).isEmpty(),
                "no published boost clock, no clock-aware peak");
    }

    @Test
    void aUserFileOverridesAndExtends(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gpus.yaml");
        Files.writeString(file, """
                gpus:
                  - id: h100-sxm
                    nvml_names: ["NVIDIA H100 80GB HBM3"]
                    boost_clock_mhz: 1755
                    dense_peak_tflops: {bf16: 800}
                    memory_gb: 80
                    memory_bandwidth_gb_per_s: 3350
                    source: "our power-capped fleet"
                  - id: mi300x
                    nvml_names: ["AMD Instinct MI300X"]
                    dense_peak_tflops: {bf16: 1307.4}
                    memory_gb: 192
                    memory_bandwidth_gb_per_s: 5300
                    source: "AMD MI300X datasheet"
                """);
        GpuCatalog c = GpuCatalog.load(Optional.of(file));
        assertEquals(800e12, c.find("NVIDIA H100 80GB HBM3").orElseThrow().densePeak(Precision.BF16).orElseThrow(), 1);
        assertEquals("mi300x", c.find("AMD Instinct MI300X").orElseThrow().id());
        assertEquals(CATALOG.entries().size() + 1, c.entries().size());
    }

    @Test
    void mistakesInAUserFileAreLocated(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gpus.yaml");
        Files.writeString(file, String.join("\n", List.of(
                "gpus:",
                "  - id: x",
                "    dense_peak_tflops: {bf16: 100, fp7: 3}",
                "    memory_gb: 80",
                "    memory_bandwidth_gb_per_s: 1000",
                "    source: s")));
        InputError e = assertThrows(InputError.class, () -> GpuCatalog.load(Optional.of(file)));
        assertEquals(3, e.line(), e.getMessage());
        assertEquals("gpus[0].dense_peak_tflops.fp7", e.field());
        assertTrue(e.getMessage().startsWith(file + ":3:"), e.getMessage());
    }

    @Test
    void aBoardPowerNeedsItsSource(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("gpus.yaml");
        Files.writeString(file, String.join("\n", List.of(
                "gpus:",
                "  - id: x",
                "    dense_peak_tflops: {bf16: 100}",
                "    memory_gb: 80",
                "    memory_bandwidth_gb_per_s: 1000",
                "    tdp_watts: 500",
                "    source: s")));
        InputError e = assertThrows(InputError.class, () -> GpuCatalog.load(Optional.of(file)));
        assertEquals(6, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains("tdp_source"), e.getMessage());
    }
}
