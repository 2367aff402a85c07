package io.flopwatch.nvml.jna;

/**
 * Byte offsets of the C structures the hot path reads from a reused {@code Memory} buffer
 * instead of a JNA {@code Structure} (x86-64 / aarch64 LP64). They must equal the offsets of
 * the matching {@link NvmlLibrary} structures and of the real nvml.h: NvmlAbiConformanceTest
 * checks both.
 */
final class NvmlLayout {
    private NvmlLayout() {
    }

    // nvmlUtilization_t
    static final int UTILIZATION_GPU = 0;
    static final int UTILIZATION_MEMORY = 4;
    static final int UTILIZATION_SIZE = 8;

    // nvmlMemory_t
    static final int MEMORY_TOTAL = 0;
    static final int MEMORY_FREE = 8;
    static final int MEMORY_USED = 16;
    static final int MEMORY_SIZE = 24;

    // nvmlMemory_v2_t
    static final int MEMORY_V2_VERSION = 0;
    static final int MEMORY_V2_TOTAL = 8;
    static final int MEMORY_V2_RESERVED = 16;
    static final int MEMORY_V2_FREE = 24;
    static final int MEMORY_V2_USED = 32;
    static final int MEMORY_V2_SIZE = 40;

    // nvmlBAR1Memory_t
    static final int BAR1_TOTAL = 0;
    static final int BAR1_FREE = 8;
    static final int BAR1_USED = 16;
    static final int BAR1_SIZE = 24;

    // nvmlFieldValue_t
    static final int FIELD_FIELD_ID = 0;
    static final int FIELD_SCOPE_ID = 4;
    static final int FIELD_TIMESTAMP = 8;
    static final int FIELD_LATENCY_USEC = 16;
    static final int FIELD_VALUE_TYPE = 24;
    static final int FIELD_NVML_RETURN = 28;
    static final int FIELD_VALUE = 32;
    static final int FIELD_SIZE = 40;

    // nvmlGpmMetric_t
    static final int GPM_METRIC_ID = 0;
    static final int GPM_METRIC_RETURN = 4;
    static final int GPM_METRIC_VALUE = 8;
    static final int GPM_METRIC_SHORT_NAME = 16;
    static final int GPM_METRIC_LONG_NAME = 24;
    static final int GPM_METRIC_UNIT = 32;
    static final int GPM_METRIC_SIZE = 40;

    // nvmlGpmMetricsGet_t
    static final int GPM_GET_VERSION = 0;
    static final int GPM_GET_NUM_METRICS = 4;
    static final int GPM_GET_SAMPLE1 = 8;
    static final int GPM_GET_SAMPLE2 = 16;
    static final int GPM_GET_METRICS = 24;

    // nvmlProcessInfo_t (the same layout as nvmlProcessInfo_v2_t)
    static final int PROCESS_INFO_PID = 0;
    static final int PROCESS_INFO_USED_GPU_MEMORY = 8;
    static final int PROCESS_INFO_GPU_INSTANCE_ID = 16;
    static final int PROCESS_INFO_COMPUTE_INSTANCE_ID = 20;
    static final int PROCESS_INFO_SIZE = 24;

    // nvmlProcessUtilizationSample_t
    static final int PROCESS_UTILIZATION_PID = 0;
    static final int PROCESS_UTILIZATION_TIMESTAMP = 8;
    static final int PROCESS_UTILIZATION_SM = 16;
    static final int PROCESS_UTILIZATION_MEM = 20;
    static final int PROCESS_UTILIZATION_ENC = 24;
    static final int PROCESS_UTILIZATION_DEC = 28;
    static final int PROCESS_UTILIZATION_SIZE = 32;
}
