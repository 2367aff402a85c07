package io.flopwatch.nvml;

/**
 * NVML cannot be used at all on this machine right now: the library is not installed, the
 * NVIDIA kernel driver is not loaded, or the process lacks permission. An expected condition
 * on a machine without a GPU, reported to the user as one clear line (see {@link #getMessage()}),
 * e.g. "NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)".
 */
public final class NvmlUnavailableException extends NvmlException {
    private static final long serialVersionUID = 1L;

    public NvmlUnavailableException(String function, int returnCode, String errorString, String message, Throwable cause) {
        super(function, returnCode, errorString, message, cause);
    }
}
