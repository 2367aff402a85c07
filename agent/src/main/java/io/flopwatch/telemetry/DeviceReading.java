package io.flopwatch.telemetry;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.Reliability;
import java.util.List;
import java.util.Optional;

/**
 * Everything read from one GPU in one pass. A reading that failed leaves its part empty and
 * says why in {@link #errors()}, so one failing call (or one lost GPU) never hides the rest.
 *
 * @param index        NVML device index
 * @param identity     what the GPU is; empty when even that could not be read
 * @param sample       the per-cycle counters
 * @param processes    compute processes on the GPU
 * @param reliability  ECC / retired pages / remapped rows
 * @param nvlinkActive per-link NVLink state; empty list on GPUs without NVLink
 * @param gpmSupported whether the GPU supports GPM
 * @param gpm          GPM metrics over the reading's GPM interval; empty without GPM
 * @param errors       "function: NVML error N: message" for each part that failed
 * @param mig          the GPU's MIG devices with the GPM of their GPU instances; NONE when MIG is off
 */
public record DeviceReading(
        int index,
        Optional<GpuIdentity> identity,
        Optional<DeviceSample> sample,
        List<GpuProcess> processes,
        Optional<Reliability> reliability,
        List<Boolean> nvlinkActive,
        boolean gpmSupported,
        List<GpmMetric> gpm,
        List<String> errors,
        MigInstances mig) {

    public DeviceReading {
        processes = List.copyOf(processes);
        nvlinkActive = List.copyOf(nvlinkActive);
        gpm = List.copyOf(gpm);
        errors = List.copyOf(errors);
    }
}
