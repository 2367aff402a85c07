package io.flopwatch.nvml;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One result of {@code nvmlDeviceGetFieldValues} ({@code nvmlFieldValue_t}). The value is
 * absent when the per-field return code is not SUCCESS; {@link #result()} says why.
 *
 * @param fieldId          {@code NVML_FI_*} id, e.g. 138 NVLINK_THROUGHPUT_DATA_TX (KiB, cumulative)
 * @param scopeId          scope (e.g. NVLink link id) as requested
 * @param timestampMicros  CPU timestamp of the value, microseconds since the Unix epoch
 * @param latencyMicros    how long NVML took to update the value
 * @param result           the per-field return code
 * @param valueType        {@code nvmlValueType_t}: 0 double, 1 unsigned int, 2 unsigned long,
 *                         3 unsigned long long, 4 signed long long
 * @param longValue        the value for integer types (unsigned 64-bit values above
 *                         {@link Long#MAX_VALUE} wrap; use {@link Long#toUnsignedString})
 * @param doubleValue      the value for type 0 (double)
 */
public record FieldValue(int fieldId, int scopeId, long timestampMicros, long latencyMicros,
                         NvmlReturn result, int valueType, OptionalLong longValue, OptionalDouble doubleValue) {

    /** NVLink data throughput sent, KiB, cumulative counter (nvml.h). */
    public static final int NVLINK_THROUGHPUT_DATA_TX = 138;
    /** NVLink data throughput received, KiB, cumulative counter (nvml.h). */
    public static final int NVLINK_THROUGHPUT_DATA_RX = 139;
    /** NVLink data + protocol overhead sent, KiB (nvml.h). */
    public static final int NVLINK_THROUGHPUT_RAW_TX = 140;
    /** NVLink data + protocol overhead received, KiB (nvml.h). */
    public static final int NVLINK_THROUGHPUT_RAW_RX = 141;

    /** A field to request: id and scope. */
    public record Request(int fieldId, int scopeId) {
    }
}
