package io.flopwatch.nvml;

/**
 * An NVML call returned an error that is not "absent value" (not supported / no permission are
 * turned into absent values at the binding boundary, never into this exception). Carries the
 * NVML return code and NVML's own message ({@code nvmlErrorString}).
 */
public class NvmlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final int returnCode;
    private final String errorString;

    public NvmlException(String function, int returnCode, String errorString) {
        super(function + ": NVML error " + returnCode + ": " + errorString);
        this.function = function;
        this.returnCode = returnCode;
        this.errorString = errorString;
    }

    protected NvmlException(String function, int returnCode, String errorString, String message, Throwable cause) {
        super(message, cause);
        this.function = function;
        this.returnCode = returnCode;
        this.errorString = errorString;
    }

    /** The C function that failed, e.g. {@code nvmlDeviceGetPowerUsage}. */
    public String function() {
        return function;
    }

    /** The {@code nvmlReturn_t} value; -1 when the library itself could not be loaded. */
    public int returnCode() {
        return returnCode;
    }

    /** NVML's message for the code, or a description of the load failure. */
    public String errorString() {
        return errorString;
    }
}
