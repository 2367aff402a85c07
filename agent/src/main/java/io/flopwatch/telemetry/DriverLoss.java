package io.flopwatch.telemetry;

import io.flopwatch.nvml.NvmlException;
import java.util.Optional;

/**
 * Which NVML return codes mean that the driver (not one GPU) went away after a successful
 * start, so that the sampler must close its sessions and open NVML again. Codes from nvml.h
 * ({@code nvmlReturn_t}).
 */
final class DriverLoss {
    /** NVML_ERROR_UNINITIALIZED: "NVML was not first initialized with nvmlInit()". */
    static final int UNINITIALIZED = 1;
    /** NVML_ERROR_DRIVER_NOT_LOADED: "NVIDIA driver is not loaded". */
    static final int DRIVER_NOT_LOADED = 9;
    /** NVML_ERROR_GPU_IS_LOST: "The GPU has fallen off the bus or has otherwise become inaccessible". */
    static final int GPU_IS_LOST = 15;
    /** NVML_ERROR_LIB_RM_VERSION_MISMATCH: "RM detects a driver/library version mismatch" (driver upgraded under us). */
    static final int LIB_RM_VERSION_MISMATCH = 18;

    private DriverLoss() {
    }

    /**
     * A code that says the whole library is unusable, whichever GPU the call was about: one
     * such answer on any worker's session is enough to reopen NVML.
     */
    static boolean libraryWide(int code) {
        return code == UNINITIALIZED || code == DRIVER_NOT_LOADED || code == LIB_RM_VERSION_MISMATCH;
    }

    /**
     * A library-wide code, or GPU_IS_LOST: when every GPU answers with one of these the driver is
     * treated as gone (e.g. all handles lost across a driver reload); GPU_IS_LOST on some GPUs
     * only is that GPU's problem and it is retried each cycle.
     */
    static boolean driverLevel(int code) {
        return libraryWide(code) || code == GPU_IS_LOST;
    }

    /** The NVML return code of {@code e} or of an exception it wraps, when it is one of {@link #driverLevel}. */
    static Optional<NvmlException> driverLevel(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NvmlException n && driverLevel(n.returnCode())) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }
}
