package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.InputError;
import io.flopwatch.cupti.PmSamplingSettings.TriggerMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CuptiMetricSetsTest {

    @ParameterizedTest(name = "{0} → {1}, {2}")
    @CsvSource({
        // cupti_pmsampling.h: GPU_TIME_INTERVAL "is not supported on Turing GPU architecture and GA100 GPU"
        "TU102, TU10x, GPU_SYSCLK_INTERVAL",
        "TU117, TU11x, GPU_SYSCLK_INTERVAL",
        "GA100, GA100, GPU_SYSCLK_INTERVAL",
        "GA102, GA10x, GPU_TIME_INTERVAL",
        "ga107, GA10x, GPU_TIME_INTERVAL",
        "AD102, AD10x, GPU_TIME_INTERVAL",
        "GH100, GH100, GPU_TIME_INTERVAL",
        "GB100, GB100, GPU_TIME_INTERVAL",
        "GB202, GB20x, GPU_TIME_INTERVAL",
    })
    void findsTheFamilyOfAChip(String chip, String family, TriggerMode trigger) {
        CuptiMetricSet set = CuptiMetricSets.builtIn().forChip(chip).orElseThrow();
        assertEquals(family, set.family());
        assertEquals(trigger, set.trigger());
    }

    @Test
    void voltaHasNoSet() {
        assertTrue(CuptiMetricSets.builtIn().forChip("GV100").isEmpty());
    }

    @Test
    void metricNamesFollowTheRoleOrder() {
        CuptiMetricSet gh100 = CuptiMetricSets.builtIn().forChip("GH100").orElseThrow();
        assertEquals(CuptiMetricRole.TENSOR_ACTIVE_PERCENT, gh100.roles().get(0));
        assertEquals("sm__pipe_tensor_cycles_active_realtime.avg.pct_of_peak_sustained_elapsed", gh100.metricNames().get(0));
        assertEquals(gh100.roles().size(), gh100.metricNames().size());
    }

    @Test
    void anUnknownRoleIsAnInputErrorWithItsLine() {
        String yaml = """
                families:
                  - family: X
                    chips: [GH100]
                    trigger: gpu_time_interval
                    metrics:
                      tensor_busy: sm__cycles_active.avg.pct_of_peak_sustained_elapsed
                """;
        InputError e = assertThrows(InputError.class, () -> CuptiMetricSets.parse("sets.yaml", yaml));
        assertTrue(e.getMessage().contains("tensor_busy"), e.getMessage());
        assertTrue(e.getMessage().contains("6"), e.getMessage());
    }

    @Test
    void aChipInTwoFamiliesIsAnInputError() {
        String yaml = """
                families:
                  - {family: A, chips: [GH100], trigger: gpu_time_interval, metrics: {sm_active_percent: m}}
                  - {family: B, chips: [GH100], trigger: gpu_time_interval, metrics: {sm_active_percent: m}}
                """;
        InputError e = assertThrows(InputError.class, () -> CuptiMetricSets.parse("sets.yaml", yaml));
        assertTrue(e.getMessage().contains("GH100"), e.getMessage());
    }
}
