package io.flopwatch.nvml;

/**
 * Per-process utilization sample ({@code nvmlProcessUtilizationSample_t}), percent 0..100.
 *
 * @param pid              process id
 * @param timestampMicros  CPU timestamp of the sample, microseconds since the Unix epoch
 */
public record ProcessUtilization(long pid, long timestampMicros, int smPercent, int memoryPercent,
                                 int encoderPercent, int decoderPercent) {
}
