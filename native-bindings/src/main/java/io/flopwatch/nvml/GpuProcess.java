package io.flopwatch.nvml;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A compute process on a GPU ({@code nvmlProcessInfo_t}).
 *
 * @param pid                process id (in the driver's PID namespace: the host's)
 * @param usedGpuMemoryBytes device memory the process uses; absent when NVML reports
 *                           {@code NVML_VALUE_NOT_AVAILABLE} (e.g. under WDDM)
 * @param gpuInstanceId      MIG GPU instance; absent when MIG is off (NVML: 0xFFFFFFFF)
 * @param computeInstanceId  MIG compute instance; absent when MIG is off (NVML: 0xFFFFFFFF)
 */
public record GpuProcess(long pid, OptionalLong usedGpuMemoryBytes, OptionalInt gpuInstanceId,
                         OptionalInt computeInstanceId) {
}
