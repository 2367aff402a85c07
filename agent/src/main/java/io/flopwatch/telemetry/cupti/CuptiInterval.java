package io.flopwatch.telemetry.cupti;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What the CUPTI collector measured on one GPU since the previous snapshot: the time-weighted
 * mean of each role over the samples that completed in the interval, and the collector's
 * status. The same quantities GPM gives, so readers need not care which source produced them;
 * {@link #SOURCE} is the label that tells.
 *
 * @param sampleCount completed PM samples in the interval (0: no values, e.g. paused)
 * @param covered the GPU time those samples span (sum of their end − start timestamps)
 */
public record CuptiInterval(int deviceIndex, String chip, int sampleCount, Duration covered,
        Map<CuptiMetricRole, Double> means, CuptiCollector.Status status) {

    /** The source label for metrics that came from here. */
    public static final String SOURCE = io.flopwatch.telemetry.ActivitySource.CUPTI;

    public CuptiInterval {
        means = Collections.unmodifiableMap(means.isEmpty() ? new EnumMap<>(CuptiMetricRole.class) : new EnumMap<>(means));
    }

    /** The interval's mean of a role, empty when the chip lacks it or no sample completed. */
    public OptionalDouble mean(CuptiMetricRole role) {
        Double v = means.get(role);
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }
}
