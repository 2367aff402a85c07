package io.flopwatch.attribution;

import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A compute process on one GPU with what it uses and who owns it.
 *
 * @param pid                    process id (the host's PID namespace, as NVML reports it)
 * @param usedGpuMemoryBytes     device memory it holds (NVML); absent when NVML does not say
 * @param smUtilizationRatio     its share of time SMs ran its kernels over the last sampling
 *                               interval, 0..1 ({@code nvmlDeviceGetProcessUtilization} smUtil / 100);
 *                               absent when NVML gave no sample for it in that interval
 * @param memoryUtilizationRatio its share of time the memory controller was busy for it, 0..1 (memUtil / 100)
 * @param gpuInstanceId          the MIG GPU instance it runs in; absent without MIG
 * @param owner                  who runs it
 */
public record AttributedProcess(long pid, OptionalLong usedGpuMemoryBytes, OptionalDouble smUtilizationRatio,
                                OptionalDouble memoryUtilizationRatio, OptionalInt gpuInstanceId, ProcessOwner owner) {
}
