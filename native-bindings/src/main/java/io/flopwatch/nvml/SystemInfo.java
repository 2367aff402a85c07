package io.flopwatch.nvml;

import java.util.OptionalInt;

/**
 * Versions of the NVIDIA software stack, as NVML reports them.
 *
 * @param driverVersion      kernel driver version, e.g. "535.261.03" ({@code nvmlSystemGetDriverVersion})
 * @param nvmlVersion        NVML library version, e.g. "12.535.261.03" ({@code nvmlSystemGetNVMLVersion})
 * @param cudaDriverVersion  CUDA driver API version as NVML encodes it, 1000 × major + 10 × minor
 *                           (e.g. 12020 for 12.2); absent when not reported
 * @param simulated          true when read from flopwatch's simulated NVML library, never from a GPU
 */
public record SystemInfo(String driverVersion, String nvmlVersion, OptionalInt cudaDriverVersion, boolean simulated) {

    /** CUDA major version ({@code NVML_CUDA_DRIVER_VERSION_MAJOR}: v / 1000). */
    public OptionalInt cudaMajor() {
        return cudaDriverVersion.isPresent() ? OptionalInt.of(cudaDriverVersion.getAsInt() / 1000) : OptionalInt.empty();
    }

    /** CUDA minor version ({@code NVML_CUDA_DRIVER_VERSION_MINOR}: (v % 1000) / 10). */
    public OptionalInt cudaMinor() {
        return cudaDriverVersion.isPresent() ? OptionalInt.of(cudaDriverVersion.getAsInt() % 1000 / 10) : OptionalInt.empty();
    }
}
