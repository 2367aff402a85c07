package io.flopwatch.cupti;

import java.util.List;

/**
 * One completed PM sample: GPU timestamps (ns) of its start and end, and the value of each
 * configured metric in configuration order.
 */
public record PmSample(long startTimestampNanos, long endTimestampNanos, List<Double> values) {
    public PmSample {
        values = List.copyOf(values);
    }
}
