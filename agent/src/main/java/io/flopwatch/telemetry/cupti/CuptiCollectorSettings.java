package io.flopwatch.telemetry.cupti;

import io.flopwatch.cupti.ConfigImage;
import io.flopwatch.cupti.PmSamplingSettings;
import io.flopwatch.cupti.PmSamplingSettings.TriggerMode;
import java.time.Duration;

/**
 * How the CUPTI collector samples.
 *
 * @param samplingInterval the GPU's PM sampling interval, 10 ms or more
 * @param decodeInterval how often the decode loop empties the hardware buffer (≥ sampling interval)
 * @param hardwareBufferBytes the hardware buffer CUPTI fills between decodes
 * @param retryInterval how long to wait before retrying after a condition that may clear
 *        (another profiler holds the counters, an unexpected CUPTI error)
 * @param assumedSysclkHertz only for chips that sample on SYSCLK cycles (Turing, GA100): the
 *        clock used to turn the interval into cycles. It sets the spacing of samples only;
 *        values are averaged over each sample's own GPU timestamps, so it does not bias them.
 */
public record CuptiCollectorSettings(Duration samplingInterval, Duration decodeInterval, long hardwareBufferBytes,
        Duration retryInterval, double assumedSysclkHertz) {

    public static final Duration MIN_SAMPLING_INTERVAL = Duration.ofMillis(10);

    public CuptiCollectorSettings {
        if (samplingInterval.compareTo(MIN_SAMPLING_INTERVAL) < 0) {
            throw new IllegalArgumentException("CUPTI sampling interval " + samplingInterval.toMillis()
                    + " ms is below the minimum of " + MIN_SAMPLING_INTERVAL.toMillis() + " ms");
        }
        if (decodeInterval.compareTo(samplingInterval) < 0) {
            throw new IllegalArgumentException("decode interval must not be shorter than the sampling interval");
        }
        if (hardwareBufferBytes <= 0 || retryInterval.isNegative() || retryInterval.isZero() || !(assumedSysclkHertz > 0)) {
            throw new IllegalArgumentException("buffer, retry interval and SYSCLK must be positive");
        }
    }

    /** 100 ms samples, decoded every second into a 32 MiB buffer; retry after a minute; SYSCLK 1 GHz. */
    public static CuptiCollectorSettings defaults() {
        return new CuptiCollectorSettings(Duration.ofMillis(100), Duration.ofSeconds(1), 32L << 20,
                Duration.ofMinutes(1), 1e9);
    }

    /** Samples one decode should have room for: twice what one decode interval yields, plus slack. */
    public int maxSamplesPerDecode() {
        long perDecode = -Math.floorDiv(-decodeInterval.toNanos(), samplingInterval.toNanos());
        return Math.toIntExact(2 * perDecode + 8);
    }

    /** The PM sampling interval in the trigger mode's unit: ns, or SYSCLK cycles. */
    public long intervalFor(TriggerMode trigger) {
        long nanos = samplingInterval.toNanos();
        return trigger == TriggerMode.GPU_TIME_INTERVAL ? nanos : Math.max(1, Math.round(nanos * assumedSysclkHertz / 1e9));
    }

    PmSamplingSettings pmSettings(TriggerMode trigger, ConfigImage config) {
        return new PmSamplingSettings(config, hardwareBufferBytes, intervalFor(trigger), trigger, maxSamplesPerDecode());
    }
}
