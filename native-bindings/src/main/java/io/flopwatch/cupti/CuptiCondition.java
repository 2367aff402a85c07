package io.flopwatch.cupti;

/**
 * The conditions a CUPTI profiling client meets on real machines, each with what a user can do
 * about it. Codes are {@code CUptiResult} values from {@code cupti_result.h} (CUDA 13.0).
 */
public enum CuptiCondition {
    /** CUPTI_ERROR_INSUFFICIENT_PRIVILEGES (35), CUPTI_ERROR_VIRTUALIZED_DEVICE_INSUFFICIENT_PRIVILEGES (40). */
    INSUFFICIENT_PRIVILEGES("GPU performance counters are restricted to administrators: run flopwatch as root, "
            + "or grant CAP_SYS_ADMIN (or CAP_PERFMON with driver R565 or newer), or load the driver with "
            + "NVreg_RestrictProfilingToAdminUsers=0 (e.g. 'options nvidia NVreg_RestrictProfilingToAdminUsers=0' "
            + "in /etc/modprobe.d/, then reload the driver or reboot)"),
    /** CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (39), HARDWARE_BUSY (26), INVALID_OPERATION (7) from Enable. */
    MULTIPLE_SUBSCRIBERS("another profiler owns the GPU's performance counters (Nsight Compute or Systems, DCGM "
            + "profiling metrics, another CUPTI client): stop it, or pause flopwatch's CUPTI collector while it runs"),
    /** CUPTI_ERROR_MIG_DEVICE_NOT_SUPPORTED (43). */
    MIG_DEVICE_NOT_SUPPORTED("CUPTI cannot profile a GPU in MIG mode: the tensor/SM/DRAM activity of MIG devices "
            + "is available from NVML GPM on Hopper and newer only"),
    /** The hardware buffer filled before it was decoded (DecodeData's overflow flag). */
    BUFFER_OVERFLOW("the PM sampling hardware buffer overflowed (samples were lost): the session is restarted; "
            + "if it recurs, raise the hardware buffer size or the sampling interval"),
    /** The library, the driver, the device or the chip is absent or not supported. */
    NOT_AVAILABLE("CUPTI PM sampling is not available here: it needs libcupti from CUDA 12.6 or newer, the "
            + "NVIDIA driver (libcuda.so.1) and a Turing or newer GPU (not Volta, not a virtualised or WSL device)"),
    /** Anything else: CUPTI's own message says what. */
    OTHER("see CUPTI's message");

    private final String advice;

    CuptiCondition(String advice) {
        this.advice = advice;
    }

    /** What a user can do about it, in one sentence. */
    public String advice() {
        return advice;
    }

    /**
     * The condition a {@code CUptiResult} returned by {@code function} stands for.
     * INVALID_OPERATION means "someone else has the counters" only when enabling PM sampling;
     * elsewhere it is a bug of ours, hence OTHER.
     */
    public static CuptiCondition of(String function, int cuptiResult) {
        return switch (cuptiResult) {
            case 35, 40 -> INSUFFICIENT_PRIVILEGES;
            case 39, 26 -> MULTIPLE_SUBSCRIBERS;
            case 7 -> "cuptiPmSamplingEnable".equals(function) ? MULTIPLE_SUBSCRIBERS : OTHER;
            case 43 -> MIG_DEVICE_NOT_SUPPORTED;
            // NOT_SUPPORTED, VIRTUALIZED/CMP/SLI/WSL device, INVALID_CHIP_NAME, NOT_INITIALIZED, INVALID_DEVICE
            case 27, 33, 42, 44, 45, 46, 15, 2, -1 -> NOT_AVAILABLE;
            default -> OTHER;
        };
    }
}
