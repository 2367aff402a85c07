package io.flopwatch.nvml;

/**
 * Symbolic names of NVML's {@code nvmlReturn_t} codes (nvml.h, CUDA 11.8 / driver 535 header,
 * and the codes NVIDIA added since). Used for messages and metric labels; the numeric code is
 * what crosses the C boundary.
 */
public enum NvmlReturn {
    SUCCESS(0),
    ERROR_UNINITIALIZED(1),
    ERROR_INVALID_ARGUMENT(2),
    ERROR_NOT_SUPPORTED(3),
    ERROR_NO_PERMISSION(4),
    ERROR_ALREADY_INITIALIZED(5),
    ERROR_NOT_FOUND(6),
    ERROR_INSUFFICIENT_SIZE(7),
    ERROR_INSUFFICIENT_POWER(8),
    ERROR_DRIVER_NOT_LOADED(9),
    ERROR_TIMEOUT(10),
    ERROR_IRQ_ISSUE(11),
    ERROR_LIBRARY_NOT_FOUND(12),
    ERROR_FUNCTION_NOT_FOUND(13),
    ERROR_CORRUPTED_INFOROM(14),
    ERROR_GPU_IS_LOST(15),
    ERROR_RESET_REQUIRED(16),
    ERROR_OPERATING_SYSTEM(17),
    ERROR_LIB_RM_VERSION_MISMATCH(18),
    ERROR_IN_USE(19),
    ERROR_MEMORY(20),
    ERROR_NO_DATA(21),
    ERROR_VGPU_ECC_NOT_SUPPORTED(22),
    ERROR_INSUFFICIENT_RESOURCES(23),
    ERROR_FREQ_NOT_SUPPORTED(24),
    ERROR_ARGUMENT_VERSION_MISMATCH(25),
    // Added after the CUDA 11.8 header (CUDA 12.x nvml.h).
    ERROR_DEPRECATED(26),
    ERROR_NOT_READY(27),
    ERROR_GPU_NOT_FOUND(28),
    ERROR_INVALID_STATE(29),
    ERROR_UNKNOWN(999),
    /** Not a code NVML defines; stands for any value this enum does not know. */
    UNRECOGNIZED(-1);

    private final int code;

    NvmlReturn(int code) {
        this.code = code;
    }

    /** The numeric {@code nvmlReturn_t} value. */
    public int code() {
        return code;
    }

    /**
     * {@link #values()} once: {@code of} runs for every field value and GPM metric of every GPU
     * in every cycle, and {@code values()} copies the array on each call.
     */
    private static final NvmlReturn[] ALL = values();

    /** The constant for {@code code}, or {@link #UNRECOGNIZED}. */
    public static NvmlReturn of(int code) {
        for (NvmlReturn r : ALL) {
            if (r.code == code && r != UNRECOGNIZED) {
                return r;
            }
        }
        return UNRECOGNIZED;
    }

    /**
     * Whether the binding turns this code into an absent value instead of an exception: the
     * device or driver does not offer the reading (NOT_SUPPORTED), the process may not read it
     * (NO_PERMISSION), or the loaded library predates the function (FUNCTION_NOT_FOUND).
     */
    public boolean meansAbsent() {
        return this == ERROR_NOT_SUPPORTED || this == ERROR_NO_PERMISSION || this == ERROR_FUNCTION_NOT_FOUND;
    }

    /** The C name, e.g. {@code NVML_ERROR_DRIVER_NOT_LOADED}. */
    public String cName() {
        return "NVML_" + name();
    }
}
