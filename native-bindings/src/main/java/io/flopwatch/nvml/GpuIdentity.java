package io.flopwatch.nvml;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a GPU is: read once per device (the values do not change while the driver is loaded,
 * except the MIG mode, which changes only on a GPU reset). Absent values mean NVML does not
 * offer the reading on this device or driver (NOT_SUPPORTED, NO_PERMISSION, FUNCTION_NOT_FOUND).
 *
 * @param index                 NVML device index (0-based, the order of {@code nvmlDeviceGetHandleByIndex})
 * @param uuid                  e.g. "GPU-5f3c…"; stable across reboots, the key to use across processes
 * @param name                  product name, e.g. "NVIDIA H100 80GB HBM3"
 * @param serial                board serial number
 * @param pciBusId              "domain:bus:device.function", e.g. "00000000:17:00.0" ({@code nvmlPciInfo_t.busId})
 * @param pciDeviceId           combined 16-bit device id (high) and 16-bit vendor id (low)
 * @param pciSubSystemId        32-bit subsystem id
 * @param architecture          GPU architecture
 * @param architectureCode      the raw {@code nvmlDeviceArchitecture_t} value
 * @param computeCapabilityMajor CUDA compute capability, major (9 for Hopper)
 * @param computeCapabilityMinor CUDA compute capability, minor
 * @param gpuCoreCount          CUDA cores ({@code nvmlDeviceGetNumGpuCores})
 * @param minorNumber           the N of /dev/nvidiaN
 * @param memoryTotalBytes      framebuffer memory in bytes
 * @param migModeCurrent        MIG mode now ({@code NVML_DEVICE_MIG_ENABLE} 1 / DISABLE 0)
 * @param migModePending        MIG mode after the next reset
 * @param supportedEventTypes   bit mask of {@code nvmlEventType*} the device can report
 * @param simulated             true when read from flopwatch's simulated NVML library
 */
public record GpuIdentity(
        int index,
        String uuid,
        String name,
        Optional<String> serial,
        String pciBusId,
        long pciDeviceId,
        long pciSubSystemId,
        GpuArchitecture architecture,
        OptionalLong architectureCode,
        OptionalInt computeCapabilityMajor,
        OptionalInt computeCapabilityMinor,
        OptionalInt gpuCoreCount,
        OptionalInt minorNumber,
        OptionalLong memoryTotalBytes,
        OptionalInt migModeCurrent,
        OptionalInt migModePending,
        OptionalLong supportedEventTypes,
        boolean simulated) {
}
