package io.flopwatch.cupti;

import java.util.List;

/**
 * What {@code cuptiPmSamplingSetConfig} needs. {@code samplingInterval} is in nanoseconds for
 * {@link TriggerMode#GPU_TIME_INTERVAL} and in SYSCLK cycles for
 * {@link TriggerMode#GPU_SYSCLK_INTERVAL} (the only mode on Turing and GA100).
 * {@code maxSamplesPerDecode} sizes the counter data image.
 */
public record PmSamplingSettings(ConfigImage config, long hardwareBufferBytes, long samplingInterval,
        TriggerMode triggerMode, int maxSamplesPerDecode) {

    /** {@code CUpti_PmSampling_TriggerMode}. */
    public enum TriggerMode {
        GPU_SYSCLK_INTERVAL, GPU_TIME_INTERVAL;

        public int code() {
            return ordinal();
        }
    }

    public PmSamplingSettings {
        if (!config.singlePass()) {
            throw new IllegalArgumentException("PM sampling needs a single-pass metric set; " + config.chip()
                    + " needs " + config.passes() + " passes for " + config.metrics());
        }
        if (hardwareBufferBytes <= 0 || samplingInterval <= 0 || maxSamplesPerDecode <= 0) {
            throw new IllegalArgumentException("buffer, interval and sample count must be positive");
        }
    }

    public List<String> metrics() {
        return config.metrics();
    }
}
