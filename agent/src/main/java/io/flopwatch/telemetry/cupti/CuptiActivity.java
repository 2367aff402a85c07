package io.flopwatch.telemetry.cupti;

import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.telemetry.ActivitySource;
import io.flopwatch.telemetry.GpuRecord;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Puts a CUPTI interval's means into a {@link GpuRecord}'s activity fields, in the GPM metric ids
 * and units ({@code nvmlGpmMetricId_t}: utilizations in percent, PCIe and NVLink in MiB/s), so
 * {@link io.flopwatch.analysis.GpuAnalyzer} and every exporter read CUPTI values exactly as GPM
 * ones. Pure.
 */
public final class CuptiActivity {

    /** GPM reports PCIe and NVLink rates in MiB/s (nvml.h, nvmlGpmMetricId_t); CUPTI in bytes/s. */
    static final double MIB = 1024.0 * 1024.0;

    /**
     * Role → the GPM id with the same meaning, and the factor from the CUPTI unit to GPM's.
     * PCIe direction: {@code pcie__read_bytes} are bytes the GPU reads from the host (host → GPU,
     * GPM's RX); {@code pcie__write_bytes} bytes it writes (GPM's TX). The analysis uses only the
     * sum and the busier direction, so this assignment does not change any derived value.
     * DRAM bytes/s and the SM clock have no GPM id: they stay in the {@link CuptiInterval}.
     */
    static final Map<CuptiMetricRole, Map.Entry<Integer, Double>> GPM_EQUIVALENT;

    static {
        Map<CuptiMetricRole, Map.Entry<Integer, Double>> m = new EnumMap<>(CuptiMetricRole.class);
        m.put(CuptiMetricRole.TENSOR_ACTIVE_PERCENT, Map.entry(GpmMetric.ANY_TENSOR_UTIL, 1.0));
        m.put(CuptiMetricRole.TENSOR_HMMA_ACTIVE_PERCENT, Map.entry(GpmMetric.HMMA_TENSOR_UTIL, 1.0));
        m.put(CuptiMetricRole.TENSOR_IMMA_ACTIVE_PERCENT, Map.entry(GpmMetric.IMMA_TENSOR_UTIL, 1.0));
        m.put(CuptiMetricRole.SM_ACTIVE_PERCENT, Map.entry(GpmMetric.SM_UTIL, 1.0));
        m.put(CuptiMetricRole.SM_OCCUPANCY_PERCENT, Map.entry(GpmMetric.SM_OCCUPANCY, 1.0));
        m.put(CuptiMetricRole.GRAPHICS_ENGINE_ACTIVE_PERCENT, Map.entry(GpmMetric.GRAPHICS_UTIL, 1.0));
        m.put(CuptiMetricRole.DRAM_THROUGHPUT_PERCENT, Map.entry(GpmMetric.DRAM_BW_UTIL, 1.0));
        m.put(CuptiMetricRole.PCIE_READ_BYTES_PER_SECOND, Map.entry(GpmMetric.PCIE_RX_PER_SEC, 1 / MIB));
        m.put(CuptiMetricRole.PCIE_WRITE_BYTES_PER_SECOND, Map.entry(GpmMetric.PCIE_TX_PER_SEC, 1 / MIB));
        m.put(CuptiMetricRole.NVLINK_RX_BYTES_PER_SECOND, Map.entry(GpmMetric.NVLINK_TOTAL_RX_PER_SEC, 1 / MIB));
        m.put(CuptiMetricRole.NVLINK_TX_BYTES_PER_SECOND, Map.entry(GpmMetric.NVLINK_TOTAL_TX_PER_SEC, 1 / MIB));
        GPM_EQUIVALENT = Collections.unmodifiableMap(m);
    }

    private CuptiActivity() {
    }

    /**
     * The record with the interval merged in. CUPTI's values are used when GPM gave none for this
     * GPU, or when {@code preferCupti} ({@code mode: on}); then they replace the GPM values of the
     * same ids, and GPM-only fields (FP64/FP32/FP16 pipes) stay. An interval without samples
     * (paused, failed, just started) adds nothing; the source then stays GPM or none.
     */
    public static GpuRecord merge(GpuRecord record, CuptiInterval interval, boolean preferCupti) {
        boolean gpmValues = !record.gpm().isEmpty();
        boolean useCupti = interval.sampleCount() > 0 && !interval.means().isEmpty() && (!gpmValues || preferCupti);
        Map<Integer, Double> values = new HashMap<>(record.gpm());
        if (useCupti) {
            interval.means().forEach((role, mean) -> {
                Map.Entry<Integer, Double> gpm = GPM_EQUIVALENT.get(role);
                if (gpm != null) {
                    values.put(gpm.getKey(), mean * gpm.getValue());
                }
            });
        }
        String source = useCupti ? ActivitySource.CUPTI : gpmValues ? ActivitySource.GPM : ActivitySource.NONE;
        return record.withActivity(values,
                new ActivitySource(source, record.activity().gpmSupported(), Optional.of(interval)));
    }
}
