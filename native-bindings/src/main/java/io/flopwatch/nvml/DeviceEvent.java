package io.flopwatch.nvml;

import java.util.OptionalInt;

/**
 * An event NVML reported ({@code nvmlEventData_t}), e.g. an Xid error.
 *
 * @param deviceIndex       index of the device it happened on
 * @param eventType         {@code nvmlEventType*} bit, e.g. {@link #XID_CRITICAL_ERROR}
 * @param eventData         the Xid for Xid events (999 = unknown Xid), 0 for others
 * @param gpuInstanceId     MIG GPU instance the event belongs to; absent when none (0xFFFFFFFF)
 * @param computeInstanceId MIG compute instance; absent when none (0xFFFFFFFF)
 */
public record DeviceEvent(int deviceIndex, long eventType, long eventData, OptionalInt gpuInstanceId,
                          OptionalInt computeInstanceId) {

    public static final long SINGLE_BIT_ECC_ERROR = 0x1L;
    public static final long DOUBLE_BIT_ECC_ERROR = 0x2L;
    public static final long PSTATE = 0x4L;
    public static final long XID_CRITICAL_ERROR = 0x8L;
    public static final long CLOCK = 0x10L;
    public static final long POWER_SOURCE_CHANGE = 0x80L;
    public static final long MIG_CONFIG_CHANGE = 0x100L;

    public boolean isXid() {
        return (eventType & XID_CRITICAL_ERROR) != 0;
    }
}
