package io.flopwatch.nvml;

import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One reading of a device's counters, taken on the sampling hot path. Each value is absent
 * (empty optional) when NVML does not offer it on this device or driver: NOT_SUPPORTED,
 * NO_PERMISSION, or a library too old to have the function (FUNCTION_NOT_FOUND). NVML's
 * units are converted here, once: milliwatts → watts, millijoules → joules, MHz → hertz.
 * Percentages stay 0..100 as NVML reports them (their names end in {@code Percent}).
 *
 * @param index     NVML device index
 * @param simulated true when read from flopwatch's simulated NVML library
 */
public record DeviceSample(
        int index,
        Utilization utilization,
        Memory memory,
        Clocks clocks,
        Power power,
        Thermal thermal,
        Pcie pcie,
        boolean simulated) {

    /**
     * Utilization over NVML's last sample period (between 1/6 s and 1 s depending on the product).
     *
     * @param gpuPercent      percent of time one or more kernels ran ({@code nvmlUtilization_t.gpu}, 0..100)
     * @param memoryPercent   percent of time device memory was read or written ({@code nvmlUtilization_t.memory})
     * @param encoderPercent  video encoder utilization, 0..100
     * @param decoderPercent  video decoder utilization, 0..100
     */
    public record Utilization(OptionalInt gpuPercent, OptionalInt memoryPercent,
                              OptionalInt encoderPercent, OptionalInt decoderPercent) {
    }

    /**
     * Framebuffer and BAR1 memory, bytes. {@code nvmlDeviceGetMemoryInfo_v2} is used when the
     * library has it, which also reports the memory reserved by the driver and firmware
     * ({@code reservedBytes}; nvml.h: v2's {@code used} includes it); otherwise
     * {@code nvmlDeviceGetMemoryInfo} (v1), and {@code reservedBytes} is absent.
     */
    public record Memory(OptionalLong totalBytes, OptionalLong usedBytes, OptionalLong freeBytes,
                         OptionalLong reservedBytes, OptionalLong bar1TotalBytes,
                         OptionalLong bar1UsedBytes, OptionalLong bar1FreeBytes) {
    }

    /**
     * Clock frequencies in hertz (NVML reports MHz; × 1 000 000 here).
     *
     * @param performanceState  P-state 0 (maximum performance) .. 15; absent when unknown (32)
     * @param eventReasons      bit mask of {@code nvmlClocksEventReason*} / {@code nvmlClocksThrottleReason*}
     *                          (same bits; the newer name is called when the library has it)
     */
    public record Clocks(OptionalLong graphicsHertz, OptionalLong smHertz, OptionalLong memoryHertz,
                         OptionalLong videoHertz, OptionalLong graphicsMaxHertz, OptionalLong smMaxHertz,
                         OptionalLong memoryMaxHertz, OptionalLong applicationsGraphicsHertz,
                         OptionalLong applicationsMemoryHertz, OptionalInt performanceState,
                         OptionalLong eventReasons) {
    }

    /**
     * Power in watts (NVML: milliwatts / 1000) and energy in joules (NVML: millijoules / 1000).
     *
     * @param usageWatts           board power draw now
     * @param enforcedLimitWatts   the limit the driver enforces (the lowest of all limits)
     * @param managementLimitWatts the power management limit set on the board
     * @param totalEnergyJoules    energy used since the driver was last loaded (monotonic counter)
     */
    public record Power(OptionalDouble usageWatts, OptionalDouble enforcedLimitWatts,
                        OptionalDouble managementLimitWatts, OptionalDouble totalEnergyJoules) {
    }

    /**
     * @param gpuTemperatureCelsius GPU die temperature ({@code NVML_TEMPERATURE_GPU}), °C
     * @param fanSpeedPercent       intended fan speed, percent of maximum
     */
    public record Thermal(OptionalInt gpuTemperatureCelsius, OptionalInt fanSpeedPercent) {
    }

    /**
     * PCIe link and throughput. Throughput is NVML's own unit, KB/s over a 20 ms window
     * ({@code nvmlDeviceGetPcieThroughput}, "1KB granularity"), left unconverted because NVML
     * does not say whether its KB is 1000 or 1024 bytes.
     */
    public record Pcie(OptionalLong txKilobytesPerSecond, OptionalLong rxKilobytesPerSecond,
                       OptionalInt linkGenerationCurrent, OptionalInt linkWidthCurrent,
                       OptionalInt linkGenerationMax, OptionalInt linkWidthMax) {
    }
}
