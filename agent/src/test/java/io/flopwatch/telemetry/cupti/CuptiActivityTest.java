package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.telemetry.ActivitySource;
import io.flopwatch.telemetry.GpuRecord;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CUPTI means land in GPM's ids and units (nvml.h, nvmlGpmMetricId_t: percent 0..100, MiB/s). */
class CuptiActivityTest {

    private static final CuptiCollector.Status RUNNING = new CuptiCollector.Status(CuptiCollector.State.RUNNING,
            Optional.empty(), "", 0, 1);

    @ParameterizedTest
    @CsvSource({
        "TENSOR_ACTIVE_PERCENT, 5, 37.5, 37.5",
        "TENSOR_HMMA_ACTIVE_PERCENT, 7, 30, 30",
        "TENSOR_IMMA_ACTIVE_PERCENT, 9, 2, 2",
        "SM_ACTIVE_PERCENT, 2, 91, 91",
        "SM_OCCUPANCY_PERCENT, 3, 44, 44",
        "GRAPHICS_ENGINE_ACTIVE_PERCENT, 1, 99, 99",
        "DRAM_THROUGHPUT_PERCENT, 10, 63, 63",
        // bytes/s → MiB/s: 64 GiB/s = 65536 MiB/s
        "PCIE_READ_BYTES_PER_SECOND, 21, 68719476736, 65536",
        "PCIE_WRITE_BYTES_PER_SECOND, 20, 1048576, 1",
        "NVLINK_RX_BYTES_PER_SECOND, 60, 3145728, 3",
        "NVLINK_TX_BYTES_PER_SECOND, 61, 5242880, 5",
    })
    void eachRoleFillsItsGpmField(CuptiMetricRole role, int gpmId, double cupti, double expected) {
        CuptiInterval iv = new CuptiInterval(0, "GA102", 10, Duration.ofSeconds(1), Map.of(role, cupti), RUNNING);
        GpuRecord merged = CuptiActivity.merge(new GpuRecord.Builder(0).build(0, true, "", Map.of()), iv, false);
        assertEquals(Map.of(gpmId, expected), merged.gpm());
        assertEquals(ActivitySource.CUPTI, merged.activity().source());
    }

    @ParameterizedTest
    @CsvSource({
        // samples, GPM values present, prefer CUPTI (mode on) → source, SM_UTIL
        "0, false, false, none, NaN",
        "0, true, true, gpm, 88",
        "5, false, false, cupti, 40",
        "5, true, false, gpm, 88",
        "5, true, true, cupti, 40",
    })
    void cuptiFillsTheFieldsWhenGpmGaveNoneOrWhenPreferred(int samples, boolean gpmValues, boolean prefer,
            String source, double smUtil) {
        GpuRecord.Builder b = new GpuRecord.Builder(0);
        if (gpmValues) {
            b.gpmValue(GpmMetric.SM_UTIL, 88);
        }
        Map<CuptiMetricRole, Double> means = samples == 0 ? Map.of() : Map.of(CuptiMetricRole.SM_ACTIVE_PERCENT, 40.0);
        CuptiInterval iv = new CuptiInterval(0, "GA102", samples, Duration.ofMillis(100L * samples), means, RUNNING);
        GpuRecord merged = CuptiActivity.merge(b.build(0, true, "", Map.of()), iv, prefer);
        assertEquals(source, merged.activity().source());
        assertEquals(smUtil, merged.gpmValue(GpmMetric.SM_UTIL).orElse(Double.NaN));
        assertEquals(Optional.of(iv), merged.activity().cupti());
    }
}
