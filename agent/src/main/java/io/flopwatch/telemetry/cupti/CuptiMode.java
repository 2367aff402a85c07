package io.flopwatch.telemetry.cupti;

/**
 * Whether the CUPTI collector runs: {@code off} (the default: profiling counters are a shared,
 * privileged resource), {@code auto} (only where NVML GPM is absent, i.e. before Hopper, and
 * then only if permission allows: a refusal is a status, not an error), {@code on} (always,
 * e.g. for sub-second resolution on Hopper too).
 */
public enum CuptiMode {
    OFF, AUTO, ON;

    /** Whether to start the collector on a device, given whether GPM works there. */
    public boolean enabledFor(boolean gpmSupported) {
        return switch (this) {
            case OFF -> false;
            case AUTO -> !gpmSupported;
            case ON -> true;
        };
    }
}
