package io.flopwatch.nvml;

import java.util.OptionalDouble;

/**
 * One GPM metric computed from two samples ({@code nvmlGpmMetric_t}). Units as NVML defines
 * them for the id: utilizations are percent 0..100, PCIe and NVLink rates MiB/s
 * ({@code nvmlGpmMetricId_t} in nvml.h).
 *
 * @param metricId  {@code NVML_GPM_METRIC_*}, e.g. 2 SM_UTIL, 5 ANY_TENSOR_UTIL, 10 DRAM_BW_UTIL
 * @param result    per-metric return code
 * @param value     the value; absent when {@code result} is not SUCCESS
 * @param shortName NVML's short name, or "" when the library gives none
 * @param unit      NVML's unit string, or "" when the library gives none
 */
public record GpmMetric(int metricId, NvmlReturn result, OptionalDouble value, String shortName, String unit) {

    public static final int GRAPHICS_UTIL = 1;
    public static final int SM_UTIL = 2;
    public static final int SM_OCCUPANCY = 3;
    public static final int INTEGER_UTIL = 4;
    public static final int ANY_TENSOR_UTIL = 5;
    public static final int DFMA_TENSOR_UTIL = 6;
    public static final int HMMA_TENSOR_UTIL = 7;
    public static final int IMMA_TENSOR_UTIL = 9;
    public static final int DRAM_BW_UTIL = 10;
    public static final int FP64_UTIL = 11;
    public static final int FP32_UTIL = 12;
    public static final int FP16_UTIL = 13;
    public static final int PCIE_TX_PER_SEC = 20;
    public static final int PCIE_RX_PER_SEC = 21;
    public static final int NVLINK_TOTAL_RX_PER_SEC = 60;
    public static final int NVLINK_TOTAL_TX_PER_SEC = 61;
}
