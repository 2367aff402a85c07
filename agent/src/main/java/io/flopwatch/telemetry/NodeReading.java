package io.flopwatch.telemetry;

import io.flopwatch.nvml.SystemInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One complete pass over every GPU of the node: what {@code flopwatch snapshot} prints.
 *
 * @param takenAt     wall-clock time the pass started
 * @param gpmInterval the interval between the two GPM samples behind the GPM metrics
 * @param simulated   true when the readings come from the simulated NVML library
 */
public record NodeReading(Instant takenAt, Duration gpmInterval, boolean simulated, SystemInfo system,
                          List<DeviceReading> devices) {

    public NodeReading {
        devices = List.copyOf(devices);
    }
}
