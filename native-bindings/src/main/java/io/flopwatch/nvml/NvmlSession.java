package io.flopwatch.nvml;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An initialized NVML (real or simulated), the only way flopwatch reads NVIDIA GPUs. Devices
 * are named by NVML index (or found by UUID / PCI bus id); native handles never leave the
 * implementation. Readings NVML does not offer on a device (NOT_SUPPORTED, NO_PERMISSION,
 * FUNCTION_NOT_FOUND) are absent values in the returned records; any other NVML error is an
 * {@link NvmlException} carrying the function, code and NVML's message.
 *
 * <p>Thread-safety: implementations are safe to call from several threads. Calls on different
 * devices run in parallel; calls on one device run one at a time. A call that hangs in the
 * driver therefore holds up only its own device (and later calls on it), never the others:
 * callers put deadlines around each device's collection, not inside this interface.
 * {@link EventWatcher#await} holds no device, so a thread may wait for events while others
 * sample. {@link #close()} waits for calls in flight.
 *
 * <p>An interface so that the agent's tests can implement it by hand; the real one is
 * opened from an {@link NvmlSource}.
 */
public interface NvmlSession extends AutoCloseable {

    /** True when this session reads flopwatch's simulated NVML library, never a GPU. */
    boolean simulated();

    /** Driver, NVML and CUDA versions. */
    SystemInfo system();

    /** Number of GPUs NVML can see (including ones this process may not access). */
    int deviceCount();

    /** What device {@code index} is. */
    GpuIdentity identity(int index);

    /** The index of the GPU with this UUID ("GPU-…"), or empty when none has it. */
    OptionalInt indexOfUuid(String uuid);

    /** The index of the GPU at this PCI bus id ("00000000:17:00.0"), or empty when none is there. */
    OptionalInt indexOfPciBusId(String pciBusId);

    /** One reading of the per-cycle counters of device {@code index}. */
    DeviceSample sample(int index);

    /**
     * {@code nvmlDeviceGetFieldValues} for the given fields, in request order; a field NVML
     * does not offer comes back with its per-field code and no value.
     */
    List<FieldValue> fieldValues(int index, List<FieldValue.Request> requests);

    /** Compute processes on device {@code index}; empty when NVML does not report them. */
    List<GpuProcess> computeProcesses(int index);

    /**
     * Per-process utilization samples newer than {@code sinceTimestampMicros} (µs since the
     * epoch; 0 for every sample NVML still holds); empty when there are none or NVML does not
     * offer them.
     */
    List<ProcessUtilization> processUtilization(int index, long sinceTimestampMicros);

    /** ECC, page retirement and row remapping counters. */
    Reliability reliability(int index);

    /**
     * Whether each NVLink of the device is active, by link number, up to the first link NVML
     * reports as absent; empty on devices without NVLink.
     */
    List<Boolean> nvlinkActive(int index);

    /**
     * The MIG devices of GPU {@code index} (its compute instances, in NVML's MIG device index
     * order) with their identity, memory and processes; empty when MIG is off or not supported.
     * Reads only: nothing here changes the MIG layout. A default so hand-written fakes need not
     * implement it.
     */
    default List<MigDevice> migDevices(int index) {
        return List.of();
    }

    /**
     * PCIe replays since the driver loaded ({@code nvmlDeviceGetPcieReplayCounter}): link-level
     * retransmissions of corrupted packets; a count that keeps rising marks a marginal link.
     * Empty when NVML does not offer it.
     */
    OptionalLong pcieReplayCounter(int index);

    /** Whether the device supports GPM ({@code nvmlGpmQueryDeviceSupport}; Hopper and newer). */
    boolean gpmSupported(int index);

    /**
     * Takes a GPM sample of the device (or of MIG GPU instance {@code gpuInstanceId} when
     * present) and returns the metrics computed between the previous sample of the same
     * device / instance and this one, in {@code metricIds} order. The first call for a device
     * / instance returns an empty list (there is no interval yet); so does a device without
     * GPM. NVML wants samples at least 100 ms apart; the caller schedules them.
     *
     * @param metricIds {@code NVML_GPM_METRIC_*} ids (see {@link GpmMetric}), at most 333
     */
    List<GpmMetric> gpmMetrics(int index, OptionalInt gpuInstanceId, int... metricIds);

    /**
     * Registers every device for the events in {@code eventTypes} that it supports
     * ({@link DeviceEvent} constants, e.g. {@link DeviceEvent#XID_CRITICAL_ERROR}) and returns
     * a watcher to wait on. Close the watcher before the session.
     */
    EventWatcher watchEvents(long eventTypes);

    /** Releases GPM samples and shuts this session's NVML reference down. Idempotent. */
    @Override
    void close();

    /**
     * Waits for device events ({@code nvmlEventSetWait_v2}). {@link #close()} waits for an
     * {@link #await} in progress (freeing an event set NVML is waiting on is undefined), so
     * wait with short timeouts, e.g. one second, in a loop.
     */
    interface EventWatcher extends AutoCloseable {
        /** The next event, or empty when none arrives within {@code timeout} (millisecond resolution). */
        Optional<DeviceEvent> await(Duration timeout);

        @Override
        void close();
    }
}
