package io.flopwatch.daemon;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code doctor} learned from NVML, decoupled from the bindings so the findings can be
 * tested with hand-written reports.
 *
 * @param library           the library that was loaded, or what was looked for
 * @param unavailable       the one-line reason NVML cannot be used, empty when it can
 * @param unavailableCode   the NVML return code behind {@code unavailable} (-1: library missing)
 * @param driverVersion     e.g. "550.54.15"; empty string when unknown
 * @param nvmlVersion       e.g. "12.550.54.15"
 * @param cudaDriverVersion e.g. "12.4"
 * @param simulated         true when the simulated library answered
 * @param devices           the devices NVML enumerated
 */
public record NvmlReport(
        String library,
        Optional<String> unavailable,
        int unavailableCode,
        String driverVersion,
        String nvmlVersion,
        String cudaDriverVersion,
        boolean simulated,
        List<Device> devices) {

    /** NVML's return codes that {@code doctor} explains specifically (nvml.h, nvmlReturn_t). */
    static final int LIBRARY_MISSING = -1;
    static final int NO_PERMISSION = 4;
    static final int DRIVER_NOT_LOADED = 9;
    static final int LIB_RM_VERSION_MISMATCH = 18;

    public NvmlReport {
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(unavailable, "unavailable");
        devices = List.copyOf(devices);
    }

    public static NvmlReport unavailable(String library, int code, String reason) {
        return new NvmlReport(library, Optional.of(reason), code, "", "", "", false, List.of());
    }

    /**
     * One GPU as doctor sees it.
     *
     * @param gpmSupported NVML's GPM support answer; empty when the query itself is absent
     *                     (drivers older than R520) or failed
     */
    public record Device(int index, String name, String uuid, String architecture, Optional<Boolean> gpmSupported) {}
}
