package io.flopwatch.daemon;

import io.flopwatch.cupti.Cupti;
import io.flopwatch.cupti.CuptiException;
import io.flopwatch.cupti.CuptiHost;
import io.flopwatch.cupti.PmTarget;
import io.flopwatch.telemetry.cupti.CuptiMetricSets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code doctor} learned from CUPTI: the host API (library, version, chips; works without
 * a GPU) and, where the CUDA driver loads, each GPU's chip name and whether flopwatch has a PM
 * sampling metric set for it. Reading chip names takes no performance counters.
 *
 * @param unavailable why the host API could not be used, when it could not
 */
public record CuptiReport(Optional<String> unavailable, String library, int apiVersion, List<String> supportedChips,
        Optional<String> cudaDriverProblem, List<DeviceChip> devices) {

    /** One GPU as CUPTI names it; {@code family} is the shipped metric set, if any. */
    public record DeviceChip(int index, Optional<String> chip, Optional<String> family, String error) {
    }

    public CuptiReport {
        supportedChips = List.copyOf(supportedChips);
        devices = List.copyOf(devices);
    }

    public static CuptiReport unavailable(String why) {
        return new CuptiReport(Optional.of(why), "", 0, List.of(), Optional.empty(), List.of());
    }

    /** Asks the real libraries (never throws). */
    public static CuptiReport probe(Optional<Path> configuredLibrary) {
        CuptiHost host;
        String library;
        int version;
        List<String> chips;
        try {
            host = Cupti.host(configuredLibrary);
            library = Cupti.libraryFile(configuredLibrary);
            version = host.apiVersion();
            chips = host.supportedChips();
        } catch (CuptiException | LinkageError e) {
            return unavailable(e.getMessage());
        }
        Optional<String> driverProblem = Cupti.cudaDriverProblem(Optional.empty());
        List<DeviceChip> devices = new ArrayList<>();
        if (driverProblem.isEmpty()) {
            try (PmTarget target = Cupti.target(configuredLibrary, Optional.empty())) {
                for (int i = 0; i < target.deviceCount(); i++) {
                    try {
                        String chip = target.sampler(i).chipName();
                        devices.add(new DeviceChip(i, Optional.of(chip),
                                CuptiMetricSets.builtIn().forChip(chip).map(s -> s.family()), ""));
                    } catch (CuptiException e) {
                        devices.add(new DeviceChip(i, Optional.empty(), Optional.empty(), e.getMessage()));
                    }
                }
            } catch (CuptiException e) {
                driverProblem = Optional.of(e.getMessage());
            }
        }
        return new CuptiReport(Optional.empty(), library, version, chips, driverProblem, devices);
    }
}
