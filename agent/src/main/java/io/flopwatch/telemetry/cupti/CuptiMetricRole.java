package io.flopwatch.telemetry.cupti;

import java.util.Locale;

/**
 * What a CUPTI metric stands for in flopwatch: the same quantities NVML GPM gives on Hopper
 * and newer, so that analysis and exporters need not know the source. Percent roles are
 * 0–100 of the hardware's sustained peak over the sample's elapsed time; byte roles are bytes
 * per second; {@link #SM_CLOCK_HERTZ} is the measured SM (GPC) clock.
 */
public enum CuptiMetricRole {
    TENSOR_ACTIVE_PERCENT,
    TENSOR_HMMA_ACTIVE_PERCENT,
    TENSOR_IMMA_ACTIVE_PERCENT,
    SM_ACTIVE_PERCENT,
    SM_OCCUPANCY_PERCENT,
    GRAPHICS_ENGINE_ACTIVE_PERCENT,
    DRAM_THROUGHPUT_PERCENT,
    DRAM_BYTES_PER_SECOND,
    PCIE_READ_BYTES_PER_SECOND,
    PCIE_WRITE_BYTES_PER_SECOND,
    NVLINK_RX_BYTES_PER_SECOND,
    NVLINK_TX_BYTES_PER_SECOND,
    SM_CLOCK_HERTZ;

    /** The key in config/cupti-metric-sets.yaml, e.g. {@code tensor_active_percent}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role for a YAML key, or null. */
    static CuptiMetricRole ofKey(String key) {
        for (CuptiMetricRole r : values()) {
            if (r.key().equals(key)) {
                return r;
            }
        }
        return null;
    }
}
