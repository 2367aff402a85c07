package io.flopwatch.telemetry;

import java.util.ArrayList;
import java.util.List;

/**
 * Why the GPU's clocks are below their maximum: the bits of
 * {@code nvmlDeviceGetCurrentClocksEventReasons} (formerly {@code …ThrottleReasons}; same bits),
 * as defined in nvml.h ({@code nvmlClocksEventReason*} / {@code nvmlClocksThrottleReason*}).
 */
public enum ClockEventReason {
    GPU_IDLE(0x1L, "gpu_idle"),
    APPLICATIONS_CLOCKS_SETTING(0x2L, "applications_clocks_setting"),
    SW_POWER_CAP(0x4L, "sw_power_cap"),
    HW_SLOWDOWN(0x8L, "hw_slowdown"),
    SYNC_BOOST(0x10L, "sync_boost"),
    SW_THERMAL_SLOWDOWN(0x20L, "sw_thermal_slowdown"),
    HW_THERMAL_SLOWDOWN(0x40L, "hw_thermal_slowdown"),
    HW_POWER_BRAKE_SLOWDOWN(0x80L, "hw_power_brake_slowdown"),
    DISPLAY_CLOCK_SETTING(0x100L, "display_clock_setting");

    private final long bit;
    private final String label;

    ClockEventReason(long bit, String label) {
        this.bit = bit;
        this.label = label;
    }

    public long bit() {
        return bit;
    }

    /** The name used in metrics labels and JSON. */
    public String label() {
        return label;
    }

    /** The labels of the bits set in {@code mask}; unknown bits as "0x…" so nothing is hidden. */
    public static List<String> labels(long mask) {
        List<String> out = new ArrayList<>();
        long known = 0;
        for (ClockEventReason r : values()) {
            known |= r.bit;
            if ((mask & r.bit) != 0) {
                out.add(r.label);
            }
        }
        long unknown = mask & ~known;
        if (unknown != 0) {
            out.add("0x" + Long.toHexString(unknown));
        }
        return out;
    }
}
