package io.flopwatch.telemetry;

import io.flopwatch.nvml.NvmlSession;

/**
 * One metric family read from one GPU (in the manner of node_exporter's one-method
 * collectors). The {@link Sampler} calls it on the device's own worker thread, times it and
 * records its success; an exception fails this collector on this device only.
 *
 * <p>A collector keeps no state between calls except what NVML itself needs (GPM keeps its
 * previous sample inside the session); it writes what it read into {@code into}.
 */
@FunctionalInterface
public interface Collector {
    void collect(NvmlSession nvml, int index, GpuRecord.Builder into);
}
