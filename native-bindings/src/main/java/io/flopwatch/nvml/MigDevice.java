package io.flopwatch.nvml;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One MIG device of a GPU: a compute instance inside a GPU instance, as NVML enumerates it with
 * {@code nvmlDeviceGetMigDeviceHandleByIndex} and reads it through its MIG device handle.
 *
 * @param parentIndex               NVML index of the GPU it belongs to
 * @param migIndex                  its index under the GPU (0 … {@code nvmlDeviceGetMaxMigDeviceCount} − 1)
 * @param uuid                      "MIG-…" ({@code nvmlDeviceGetUUID} on the MIG handle)
 * @param name                      {@code nvmlDeviceGetName} on the MIG handle, e.g.
 *                                  "NVIDIA H100 80GB HBM3 MIG 3g.40gb"
 * @param gpuInstanceId             {@code nvmlDeviceGetGpuInstanceId}
 * @param computeInstanceId         {@code nvmlDeviceGetComputeInstanceId}
 * @param gpuInstanceSliceCount     compute slices of its GPU instance, the "3" of 3g.40gb
 *                                  ({@code nvmlDeviceAttributes_t.gpuInstanceSliceCount})
 * @param computeInstanceSliceCount compute slices of this compute instance (equal to the GPU
 *                                  instance's unless the GPU instance is split further)
 * @param multiprocessorCount       SMs of this compute instance
 * @param memoryTotalBytes          memory of the GPU instance ({@code nvmlDeviceGetMemoryInfo})
 * @param memoryUsedBytes           memory in use in it
 * @param processes                 compute processes running in this MIG device
 */
public record MigDevice(int parentIndex, int migIndex, String uuid, String name, int gpuInstanceId,
                        int computeInstanceId, OptionalInt gpuInstanceSliceCount,
                        OptionalInt computeInstanceSliceCount, OptionalInt multiprocessorCount,
                        OptionalLong memoryTotalBytes, OptionalLong memoryUsedBytes, List<GpuProcess> processes) {

    public MigDevice {
        processes = List.copyOf(processes);
    }

    /**
     * The MIG profile, e.g. "3g.40gb" (or "1c.3g.40gb" for a compute instance smaller than its
     * GPU instance): the text after the last " MIG " of the device name, which is how NVML and
     * nvidia-smi name MIG devices; empty when the name has no such part.
     */
    public Optional<String> profile() {
        int at = name.lastIndexOf(" MIG ");
        if (at < 0) {
            return Optional.empty();
        }
        String p = name.substring(at + 5).trim();
        return p.isEmpty() ? Optional.empty() : Optional.of(p);
    }
}
