package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flopwatch.cupti.ConfigImage;
import io.flopwatch.cupti.Cupti;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.CuptiHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shipped metric set against the real CUPTI host API of /usr/local/cuda (no GPU needed):
 * for every chip of every family, each metric is valid for PM sampling, the whole set needs
 * one pass, and a config image is produced. Skipped, visibly, without CUPTI.
 */
class CuptiMetricSetsRealCuptiTest {

    private static CuptiHost host;

    @BeforeAll
    static void load() {
        try {
            host = Cupti.host(Optional.empty());
        } catch (CuptiException absent) {
            assumeTrue(false, "CUPTI not found (" + absent.getMessage() + "): install CUDA 12.6+ in /usr/local/cuda");
        }
    }

    static Stream<Arguments> chips() {
        List<Arguments> out = new ArrayList<>();
        for (CuptiMetricSet set : CuptiMetricSets.builtIn().families()) {
            for (String chip : set.chips()) {
                out.add(Arguments.of(set.family(), chip));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("chips")
    void everyShippedSetIsSinglePassOnEveryChipOfItsFamily(String family, String chip) {
        CuptiMetricSet set = CuptiMetricSets.builtIn().forChip(chip).orElseThrow();
        assertEquals(family, set.family());
        ConfigImage image = host.configImage(chip, set.metricNames(), Optional.empty());
        assertEquals(1, image.passes(), family + " on " + chip + ": " + set.metricNames());
        assertTrue(image.sizeBytes() > 0, "config image for " + chip);
    }

    @Test
    void everyChipCuptiSupportsForPmSamplingHasASet() {
        // GV100/GV11B: PM sampling host initialize returns CUPTI_ERROR_NOT_SUPPORTED (measured).
        Set<String> withoutSet = new TreeSet<>();
        for (String chip : host.supportedChips()) {
            if (CuptiMetricSets.builtIn().forChip(chip).isEmpty()) {
                withoutSet.add(chip);
            }
        }
        assertEquals(Set.of("GV100", "GV11B"), withoutSet);
    }

    /**
     * The reference (shared/reference/cupti-pm-sampling.md) calls a GH100 set of "17 of the metrics
     * above" single-pass. Its list has 15 names, and with the DMMA (FP64 tensor) one they need 2
     * passes: PM sampling cannot take that set, which is why the shipped GH100 set leaves DMMA out.
     */
    @Test
    void theReferencesGh100ListNeedsTwoPassesWithDmmaAndOneWithout() {
        List<String> withoutDmma = List.of(
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
        List<String> withDmma = new ArrayList<>(withoutDmma);
        withDmma.add("SM_C.TriageCompute.smsp__pipe_tensor_op_dmma_cycles_active.avg.pct_of_peak_sustained_elapsed");
        assertEquals(15, withDmma.size());
        assertEquals(2, host.configImage("GH100", withDmma, Optional.empty()).passes());
        assertEquals(1, host.configImage("GH100", withoutDmma, Optional.empty()).passes());
    }
}
