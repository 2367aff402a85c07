package io.flopwatch.nvml;

/**
 * GPU architecture as {@code nvmlDeviceGetArchitecture} reports it ({@code NVML_DEVICE_ARCH_*}
 * in nvml.h; Blackwell's 10 from CUDA 12.8's header).
 */
public enum GpuArchitecture {
    KEPLER(2), MAXWELL(3), PASCAL(4), VOLTA(5), TURING(6), AMPERE(7), ADA(8), HOPPER(9), BLACKWELL(10),
    /** {@code NVML_DEVICE_ARCH_UNKNOWN} (0xffffffff) or a value newer than this enum. */
    UNKNOWN(-1);

    private final int code;

    GpuArchitecture(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static GpuArchitecture of(int code) {
        for (GpuArchitecture a : values()) {
            if (a.code == code) {
                return a;
            }
        }
        return UNKNOWN;
    }
}
