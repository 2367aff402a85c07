package io.flopwatch.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The profiler host API of the real libcupti in /usr/local/cuda, which needs no GPU. Expected
 * values were measured with CUPTI 13.0 (reference/cupti-pm-sampling.md); skipped, visibly,
 * where CUPTI is absent.
 */
class CuptiHostTest {

    private static CuptiHost host;

    @BeforeAll
    static void load() {
        host = CuptiTestSupport.hostOrSkip();
    }

    @Test
    void listsTheThirtyChipsOfCupti13() {
        // reference/cupti-pm-sampling.md: cuptiProfilerHostGetSupportedChips with CUPTI 13.0
        assertEquals(List.of("GV100", "GV11B", "TU102", "TU104", "TU106", "TU116", "TU117", "GA100", "GA102",
                "GA103", "GA104", "GA106", "GA107", "GA10B", "GH100", "AD102", "AD103", "AD104", "AD106", "AD107",
                "GB100", "GB102", "GB110", "GB10B", "GB202", "GB203", "GB205", "GB206", "GB207", "GB20B"),
                host.supportedChips().stream().sorted(CuptiHostTest::chipOrder).toList());
    }

    /** The order the reference lists them in: by the order of first appearance there. */
    private static int chipOrder(String a, String b) {
        String order = "GV100 GV11B TU102 TU104 TU106 TU116 TU117 GA100 GA102 GA103 GA104 GA106 GA107 GA10B GH100 "
                + "AD102 AD103 AD104 AD106 AD107 GB100 GB102 GB110 GB10B GB202 GB203 GB205 GB206 GB207 GB20B";
        return Integer.compare(order.indexOf(a), order.indexOf(b));
    }

    @Test
    void apiVersionIsCuda126OrNewer() {
        // CUPTI_API_VERSION: PM sampling appeared in CUDA 12.6; CUDA 13.0 Update 1 is 130001.
        assertTrue(host.apiVersion() >= 24, "CUPTI API version " + host.apiVersion());
    }

    @ParameterizedTest(name = "{0}: {1} counters, {2} ratios, {3} throughputs")
    @CsvSource({"GH100, 611, 605, 63"}) // reference/cupti-pm-sampling.md, CUPTI 13.0
    void baseMetricCountsOfGh100(String chip, int counters, int ratios, int throughputs) {
        assertEquals(counters, host.baseMetrics(chip, MetricType.COUNTER).size());
        assertEquals(ratios, host.baseMetrics(chip, MetricType.RATIO).size());
        assertEquals(throughputs, host.baseMetrics(chip, MetricType.THROUGHPUT).size());
    }

    @Test
    void gh100ReferenceSetIsOnePassWithAConfigImage() {
        // reference/cupti-pm-sampling.md: a GH100 set of its metrics fits in one pass, image ≈ 6.3 KB.
        // Measured here: these 14 give 6336 bytes; adding the DMMA (FP64 tensor) metric makes it 2 passes.
        List<String> metrics = List.of(
                "sm__pipe_tensor_cycles_active_realtime.avg.pct_of_peak_sustained_elapsed",
                "TPC.TriageCompute.sm__pipe_tensor_op_hmma_cycles_active_realtime.avg.pct_of_peak_sustained_elapsed",
                "TPC.TriageCompute.sm__pipe_tensor_op_imma_cycles_active_realtime.avg.pct_of_peak_sustained_elapsed",
                "sm__cycles_active.avg.pct_of_peak_sustained_elapsed",
                "sm__warps_active_realtime.avg.pct_of_peak_sustained_elapsed",
                "gr__cycles_active.avg.pct_of_peak_sustained_elapsed",
                "TriageCompute.sm__throughput.avg.pct_of_peak_sustained_elapsed",
                "dram__throughput.avg.pct_of_peak_sustained_elapsed",
                "dram__bytes.sum.per_second",
                "pcie__read_bytes.sum.per_second",
                "pcie__write_bytes.sum.per_second",
                "nvlrx__bytes.sum.per_second",
                "nvltx__bytes.sum.per_second",
                "gpc__cycles_elapsed.avg.per_second");
        ConfigImage image = host.configImage("GH100", metrics, Optional.empty());
        assertEquals(1, image.passes());
        assertTrue(image.sizeBytes() > 6000 && image.sizeBytes() < 6700, "config image " + image.sizeBytes() + " bytes");

        List<String> withDmma = new java.util.ArrayList<>(metrics);
        withDmma.add("SM_C.TriageCompute.smsp__pipe_tensor_op_dmma_cycles_active.avg.pct_of_peak_sustained_elapsed");
        assertEquals(2, host.configImage("GH100", withDmma, Optional.empty()).passes());
    }

    @Test
    void plainSmThroughputNeedsManyPasses() {
        // reference/cupti-pm-sampling.md: plain sm__throughput needs 19 passes on GH100.
        ConfigImage image = host.configImage("GH100",
                List.of("sm__throughput.avg.pct_of_peak_sustained_elapsed"), Optional.empty());
        assertEquals(19, image.passes());
    }

    @Test
    void aMetricUnknownToTheChipIsAClearException() {
        CuptiException e = assertThrows(CuptiException.class, () -> host.configImage("GH100",
                List.of("sm__cycles_active.avg.pct_of_peak_sustained_elapsed", "sm__no_such_metric.sum"), Optional.empty()));
        assertEquals("cuptiProfilerHostConfigAddMetrics", e.function());
        assertTrue(e.resultString().startsWith("CUPTI_ERROR_"), e.resultString());
        assertTrue(e.getMessage().contains("[sm__no_such_metric.sum]"), e.getMessage());
    }

    @Test
    void aRangeProfilerOnlyMetricIsRejectedForPmSampling() {
        // reference/cupti-pm-sampling.md: a Nsight Compute (range profiler) name, not PM sampling.
        String metric = "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active";
        CuptiException e = assertThrows(CuptiException.class,
                () -> host.configImage("GH100", List.of(metric), Optional.empty()));
        assertTrue(e.getMessage().contains(metric), e.getMessage());
    }

    @Test
    void voltaIsNotSupportedByPmSampling() {
        // Measured here: host initialize for GV100 with the PM sampling profiler type.
        CuptiException e = assertThrows(CuptiException.class,
                () -> host.baseMetrics("GV100", MetricType.COUNTER));
        assertEquals(CuptiCondition.NOT_AVAILABLE, e.condition());
        assertEquals("CUPTI_ERROR_NOT_SUPPORTED", e.resultString());
    }

    @Test
    void evaluatingAnInvalidCounterDataImageIsAClearException() {
        try (MetricEvaluator evaluator = host.evaluator("GH100",
                List.of("sm__cycles_active.avg.pct_of_peak_sustained_elapsed"), Optional.empty())) {
            CuptiException e = assertThrows(CuptiException.class, () -> evaluator.evaluate(new byte[64], 0));
            assertEquals("cuptiProfilerHostEvaluateToGpuValues", e.function());
            assertTrue(e.resultString().startsWith("CUPTI_ERROR_"), e.resultString());
        }
    }

    @Test
    void metricPropertiesDescribeTheMetric() {
        MetricProperties p = host.metricProperties("GH100", "dram__bytes.sum.per_second");
        assertEquals(MetricType.COUNTER, p.type());
        assertTrue(!p.description().isEmpty(), "description");
    }
}
